"""The status bar's word on the JWT: valid until when, running out, or expired."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QWidget

from spkey_desktop.api.jwt_claims import TokenState
from spkey_desktop.services.token_expiry import TokenStatus

_STYLES: dict[TokenState | None, str] = {
    None: "padding: 0 6px;",
    TokenState.VALID: "padding: 0 6px;",
    TokenState.EXPIRING: "background: #f5a623; color: black; padding: 0 6px;",
    TokenState.EXPIRED: "background: #d0021b; color: white; padding: 0 6px;",
}


def shown_time(moment: datetime) -> str:
    """A moment in this computer's time zone, unambiguous: 2026-03-12 14:00."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def token_sentence(status: TokenStatus) -> str | None:
    """What to tell the operator about the token, or None when all is well."""
    if status.expires_at is None:
        return None
    when = shown_time(status.expires_at)
    if status.state is TokenState.EXPIRING:
        return (
            f"The token (JWT) runs out at {when}. Get a new one from the partner "
            "portal and enter it with File → Credentials… before then."
        )
    if status.state is TokenState.EXPIRED:
        return f"The token (JWT) ran out at {when}. Enter a new one to keep working."
    return None


class TokenLabel(QLabel):
    """Hidden while there is no token; otherwise its expiry, coloured when it
    is close or past."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tokenLabel")
        self.setAccessibleName("Token expiry")
        self.hide()

    def show_status(self, status: TokenStatus) -> None:
        self.setVisible(status.has_token)
        self.setToolTip(status.problem or token_sentence(status) or "")
        self.setStyleSheet(_STYLES[status.state] if status.state else _STYLES[None])
        if status.problem:
            self.setText("token expiry unknown")
        elif status.expires_at is None:
            self.setText("token without expiry")
        elif status.state is TokenState.EXPIRED:
            self.setText(f"token expired {shown_time(status.expires_at)}")
        elif status.state is TokenState.EXPIRING:
            self.setText(f"⚠ token expires {shown_time(status.expires_at)}")
        else:
            self.setText(f"token valid until {shown_time(status.expires_at)}")
