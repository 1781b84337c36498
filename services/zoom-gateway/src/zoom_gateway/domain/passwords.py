"""Meeting passcodes that satisfy Zoom's default rules.

Zoom accepts at most 10 characters from ``[a-zA-Z0-9@-_*]``. Accounts may add rules (a letter, a
digit, upper and lower case), so the generator always includes one of each class; it draws from
:mod:`secrets` because a passcode is the only thing between a stranger and a live class.
"""

from __future__ import annotations

import re
import secrets
import string

MAX_LENGTH = 10
SPECIALS = "@-_*"
ALPHABET = string.ascii_letters + string.digits + SPECIALS
_VALID = re.compile(r"^[A-Za-z0-9@\-_*]{1,10}$")


def is_valid_password(value: str) -> bool:
    """Whether ``value`` meets Zoom's default passcode rules."""
    return bool(_VALID.match(value))


def generate_password(length: int = MAX_LENGTH) -> str:
    """A random passcode of ``length`` (6 to 10) with a lower, an upper, a digit and a special."""
    if not 6 <= length <= MAX_LENGTH:
        raise ValueError("passcode length must be between 6 and 10")
    required = [
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.digits),
        secrets.choice(SPECIALS),
    ]
    rest = [secrets.choice(ALPHABET) for _ in range(length - len(required))]
    chars = required + rest
    # Fisher-Yates with a CSPRNG so the required classes are not always at the front.
    for i in range(len(chars) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)
