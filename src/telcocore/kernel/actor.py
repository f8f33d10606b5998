"""Who makes a change: a user id, ``portal`` or ``system``, and from which IP."""

from __future__ import annotations

import ipaddress
import re
from typing import Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import shown, validate_text

__all__ = ["SYSTEM", "Actor"]


_SPECIAL_ACTORS: Final = frozenset({"portal", "system"})


_ACTOR: Final = re.compile(r"[^\s]{1,128}")


def _check_actor(_instance: object, _attribute: object, value: str) -> None:
    validate_text(value, field="actor", max_length=128, required=True)
    if not _ACTOR.fullmatch(value):
        msg = (
            f"actor {shown(value)} must be a user id, 'portal' or 'system' (1-128 chars, no spaces)"
        )
        raise ValidationError(msg, field="actor", value=value)


def _ip(value: object) -> str | None:
    """An IPv4 or IPv6 address in its usual form (``None`` for none)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    msg = f"source ip {shown(value)} must be an IPv4 or IPv6 address"
    raise ValidationError(msg, field="ip", value=value)


@attrs.frozen
class Actor:
    """Who makes a change: a user id, ``"portal"`` or ``"system"``, and from which IP."""

    id: str = attrs.field(validator=_check_actor)
    ip: str | None = attrs.field(default=None, converter=_ip)

    @property
    def is_user(self) -> bool:
        """True for a person's user id, false for ``portal`` and ``system``."""
        return self.id not in _SPECIAL_ACTORS


SYSTEM: Final = Actor("system")
