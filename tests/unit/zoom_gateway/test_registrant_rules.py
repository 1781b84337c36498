"""The registrant rules without a Zoom: request checks, Zoom's refusals in their older and newer
spellings, scopes, and join links kept out of ``repr``."""

from __future__ import annotations

import pytest

from classbridge_common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from zoom_gateway.domain import registrants as reg
from zoom_gateway.domain.ratelimits import (
    is_host_daily_limit_message,
    is_registrant_daily_limit_message,
)
from zoom_gateway.domain.scopes import allows
from zoom_gateway.domain.zoom_errors import ZoomApiError, to_classbridge_error


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 404, "Registration has not been enabled for this meeting: 85746065432."),
        (404, 404, "Registration has not been enabled for this meeting: 85746065432."),
        (400, 300, "This meeting has not registration required: 85746065432."),
        (404, 404, "This meeting has not registration required: 85746065432"),
    ],
)
def test_registration_off_is_a_failed_precondition(status: int, code: int, message: str) -> None:
    err = to_classbridge_error(ZoomApiError(status=status, code=code, message=message))
    assert isinstance(err, FailedPrecondition)
    assert err.violations[0].type == "REGISTRATION_DISABLED"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 3043, "Meeting has reached maximum attendee capacity."),
        (404, 3043, "Meeting has reached maximum attendee capacity."),
        (400, 3000, "You have reached the limit for the number of attendees you can add."),
    ],
)
def test_the_registrant_limit_is_resource_exhausted(status: int, code: int, message: str) -> None:
    err = to_classbridge_error(ZoomApiError(status=status, code=code, message=message))
    assert isinstance(err, ResourceExhausted)
    assert "no more registrants fit" in err.message


def test_a_missing_meeting_stays_not_found_and_a_validation_error_invalid() -> None:
    missing = ZoomApiError(status=404, code=3001, message="Meeting does not exist: 1.")
    assert isinstance(to_classbridge_error(missing), NotFound)
    invalid = ZoomApiError(status=400, code=300, message="Validation Failed.")
    assert isinstance(to_classbridge_error(invalid), InvalidArgument)


def test_one_registrants_daily_limit_is_not_the_hosts_nor_the_accounts() -> None:
    message = (
        "You have exceeded the daily rate limit of (3) for Add meeting registrant API requests "
        "for the registrant (ada@example.com). You can resume these API requests at GMT 00:00:00."
    )
    assert is_registrant_daily_limit_message(message)
    assert not is_host_daily_limit_message(message)
    assert not is_registrant_daily_limit_message("You have reached the maximum daily rate limit")


def test_people_are_checked_and_cleaned() -> None:
    people = reg.people([(" Ada@Example.com ", "", "Lovelace"), ("alan@example.com", "A" * 80, "")])
    assert people[0] == reg.Person("Ada@Example.com", "Ada", "Lovelace")
    assert people[0].key == "ada@example.com"
    assert people[0].body() == {
        "email": "Ada@Example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    assert len(people[1].first_name) == reg.MAX_NAME
    assert "last_name" not in people[1].body()
    with pytest.raises(reg.RegistrantValidationError) as bad:
        reg.people([("ok@example.com", "", ""), ("not-an-email", "", "")])
    assert bad.value.field == "registrants[1].email"
    with pytest.raises(reg.RegistrantValidationError):
        reg.people([])


def test_list_statuses() -> None:
    assert reg.list_status("") == "approved"
    assert reg.list_status(" Pending ") == "pending"
    with pytest.raises(reg.RegistrantValidationError):
        reg.list_status("cancelled")


def test_a_registration_hides_its_join_link() -> None:
    row = reg.registration_of(
        {"id": "r1", "email": "ada@example.com", "join_url": "https://z/w/1?tk=SECRET"},
        status="approved",
    )
    assert row.registrant_id == "r1"
    assert row.status == "approved"
    assert "SECRET" not in repr(row)
    assert reg.status_of_new({"join_url": "x"}) == "approved"
    assert reg.status_of_new({"registrant_id": "r2"}) == "pending"


def test_registrant_scopes_classic_and_granular() -> None:
    assert allows(["meeting:write:admin"], "add_registrants")
    assert allows(["meeting:write:registrant"], "add_registrants")
    assert not allows(["meeting:write:registrant"], "batch_registrants")
    assert allows(["meeting:read:list_registrants:admin"], "list_registrants")
    assert allows(["meeting:delete:registrant"], "delete_registrants")
    assert not allows(["meeting:read"], "delete_registrants")
