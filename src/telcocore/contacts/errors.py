"""The contacts' errors."""

from __future__ import annotations

from telcocore.kernel.errors import (
    NotFoundError,
    RuleViolation,
    TelcoError,
    ValidationError,
)

__all__ = ["AuthenticationFailed", "ContactNotFound", "InvalidCode", "WeakPassword"]


class WeakPassword(ValidationError):
    """A hand-set password the policy refuses; ``rule`` names the rule it broke.

    The message never contains the password, and ``value`` is always ``None``.
    """

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message, field="password")
        self.rule = rule


class ContactNotFound(NotFoundError):
    """No contact has this id."""

    entity = "contact"


class InvalidCode(RuleViolation):
    """A verification code was wrong, expired, already used or never sent.

    ``reason`` says which; the code itself is never in the message.
    """

    def __init__(self, contact_id: str, target: str, reason: str) -> None:
        super().__init__(f"the {target} verification code of contact {contact_id!r} {reason}")
        self.contact_id = contact_id
        self.target = target
        self.reason = reason


class AuthenticationFailed(TelcoError, PermissionError):
    """The email and password do not match a contact with a password.

    The message names neither which part was wrong nor the password.
    """

    def __init__(self) -> None:
        super().__init__("wrong email or password")
