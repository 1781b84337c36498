"""The generated protobuf code imports, is complete, follows the API conventions, and is fresh."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import grpc
import pytest
from google.protobuf import message as pb_message
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor

import classbridge
from classbridge.events.v1 import event_options_pb2

ROOT = Path(__file__).resolve().parents[3]
GEN_SCRIPT = ROOT / "scripts" / "gen_protos.py"
PROTOS_README = ROOT / "protos" / "README.md"
EVENT_MODULES = (
    "zoom_events_pb2",
    "session_events_pb2",
    "recording_events_pb2",
    "connection_events_pb2",
)
ROUTING_KEY = re.compile(r"^[a-z]+(\.[a-z_]+)+$")
# Bounded answers, not pages: one meeting instance's files (named after Zoom's endpoint), one
# meeting's registrants (every Zoom page followed), one
# person's memberships, every tenant's webhook keys.
UNPAGED_LISTS = {
    "classbridge.zoomgateway.v1.ZoomGatewayService.ListMeetingRecordings",
    "classbridge.zoomgateway.v1.ZoomGatewayService.ListMeetingRegistrants",
    "classbridge.zoomgateway.v1.ZoomGatewayService.ListWebhookKeys",
    "classbridge.scheduler.v1.SchedulerService.ListMemberships",
}
# Updates whose fields are all `optional`: presence says what changes (write-only secrets have
# no value to read back and mask against).
# Updates whose fields say by their presence what changes (optional fields, no mask).
PRESENCE_UPDATES = {
    "classbridge.zoomgateway.v1.ZoomGatewayService.UpdateTenantZoomApps",
    "classbridge.scheduler.v1.SchedulerService.UpdateSeries",
}


def _generated_module_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(classbridge.__path__, prefix="classbridge.")
        if info.name.endswith(("_pb2", "_pb2_grpc"))
    )


def _pb2_modules() -> list[ModuleType]:
    return [importlib.import_module(n) for n in _generated_module_names() if n.endswith("_pb2")]


def _event_messages() -> list[type[pb_message.Message]]:
    classes = []
    for name in EVENT_MODULES:
        module = importlib.import_module(f"classbridge.events.v1.{name}")
        for message_name in module.DESCRIPTOR.message_types_by_name:
            cls = getattr(module, message_name)
            if _routing_key(cls.DESCRIPTOR):
                classes.append(cls)
    return classes


def _routing_key(descriptor: Descriptor) -> str:
    return str(descriptor.GetOptions().Extensions[event_options_pb2.routing_key])


def _all_descriptors(file: FileDescriptor) -> list[Descriptor]:
    found: list[Descriptor] = []
    pending = list(file.message_types_by_name.values())
    while pending:
        descriptor = pending.pop()
        found.append(descriptor)
        pending.extend(descriptor.nested_types)
    return found


def _fill(msg: pb_message.Message, depth: int = 0) -> None:
    """Set every field of `msg` (recursively) to a non-default value."""
    for field in msg.DESCRIPTOR.fields:
        if field.containing_oneof is not None and field.containing_oneof.fields[0] is not field:
            continue  # only one member of a oneof can be set
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            getattr(msg, field.name)["k"] = _scalar(value_field)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth > 4:
                continue
            if field.is_repeated:
                _fill(getattr(msg, field.name).add(), depth + 1)
            else:
                _fill(getattr(msg, field.name), depth + 1)
        elif field.is_repeated:
            getattr(msg, field.name).append(_scalar(field))
        else:
            setattr(msg, field.name, _scalar(field))


def _scalar(field: FieldDescriptor) -> object:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values[-1].number
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    if field.type == FieldDescriptor.TYPE_STRING:
        return f"value-of-{field.name}"
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b"\x00\xffraw"
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 1.5
    return 7  # every integer type; also valid for Timestamp/Duration nanos


def test_every_generated_module_imports() -> None:
    names = _generated_module_names()
    assert len(names) >= 10
    for name in names:
        importlib.import_module(name)


def test_every_service_has_stub_servicer_and_registration() -> None:
    services = 0
    channel = grpc.insecure_channel("localhost:1")  # never connects: nothing is called
    try:
        for module in _pb2_modules():
            for service_name, service in module.DESCRIPTOR.services_by_name.items():
                services += 1
                grpc_module = importlib.import_module(module.__name__ + "_grpc")
                stub = getattr(grpc_module, f"{service_name}Stub")(channel)
                servicer = getattr(grpc_module, f"{service_name}Servicer")
                assert callable(getattr(grpc_module, f"add_{service_name}Servicer_to_server"))
                for method in service.methods:
                    assert callable(getattr(stub, method.name)), method.full_name
                    assert callable(getattr(servicer, method.name)), method.full_name
    finally:
        channel.close()
    assert services == 5


def test_api_methods_follow_the_resource_conventions() -> None:
    for module in _pb2_modules():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                request = method.input_type.fields_by_name
                if method.name.startswith("List") and method.full_name not in UNPAGED_LISTS:
                    assert {"page_size", "page_token"} <= set(request), method.full_name
                    assert "next_page_token" in method.output_type.fields_by_name
                if method.name.startswith("Update") and method.full_name not in PRESENCE_UPDATES:
                    assert "update_mask" in request, method.full_name


def test_every_enum_starts_with_an_unspecified_zero() -> None:
    for module in _pb2_modules():
        enums = list(module.DESCRIPTOR.enum_types_by_name.values())
        for descriptor in _all_descriptors(module.DESCRIPTOR):
            enums.extend(descriptor.enum_types)
        for enum in enums:
            assert enum.values[0].number == 0, enum.full_name
            assert enum.values[0].name.endswith("UNSPECIFIED"), enum.full_name


def test_routing_keys_are_unique_well_formed_and_documented() -> None:
    readme = PROTOS_README.read_text(encoding="utf-8")
    keys = [_routing_key(cls.DESCRIPTOR) for cls in _event_messages()]
    assert len(keys) == 29
    assert len(set(keys)) == len(keys)
    for cls, key in zip(_event_messages(), keys, strict=True):
        assert ROUTING_KEY.match(key), key
        assert f"`{key}`" in readme, key
        assert f"`{cls.DESCRIPTOR.name}`" in readme, key


@pytest.mark.parametrize("cls", _event_messages(), ids=lambda cls: cls.DESCRIPTOR.name)
def test_event_round_trips_with_every_field_set(cls: type[pb_message.Message]) -> None:
    original = cls()
    _fill(original)
    decoded = cls.FromString(original.SerializeToString())
    assert decoded == original
    expected = len({f.containing_oneof or f for f in cls.DESCRIPTOR.fields})
    assert len(decoded.ListFields()) == expected


def test_committed_code_matches_the_protos() -> None:
    result = subprocess.run(
        [sys.executable, str(GEN_SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
