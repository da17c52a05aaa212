"""The credentials the API client sends, read from the keychain off the UI thread.

The client asks its credentials provider on every request, so the provider must
answer from memory: this holder is that provider. It is filled from the keychain
(or from the session-only store when there is no keychain) in an executor, since
a keychain call can block for as long as an unlock prompt stays open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.redaction import RedactSecretsFilter
from spkey_desktop.credentials import CredentialKind, SecretStore


class ActiveCredentials:
    """A credentials provider answering from memory, refilled from a store."""

    def __init__(self, redactor: RedactSecretsFilter | None = None) -> None:
        self._redactor = redactor
        self._credentials = Credentials()
        self._listeners: list[Callable[[Credentials], None]] = []

    def __call__(self) -> Credentials:
        return self._credentials

    def set(self, credentials: Credentials) -> None:
        """Send these from now on; the log redactor learns them first."""
        if self._redactor is not None:
            self._redactor.add_secrets(credentials.api_key, credentials.token)
        self._credentials = credentials
        for listener in list(self._listeners):
            listener(credentials)

    def subscribe(self, listener: Callable[[Credentials], None]) -> None:
        """Call ``listener`` with the new credentials whenever they change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Credentials], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def load(
        self, store: SecretStore, profile: str, kinds: Iterable[CredentialKind]
    ) -> Credentials:
        """Read the profile's secrets in an executor and start sending them."""
        loop = asyncio.get_running_loop()
        values = {
            kind: await loop.run_in_executor(None, store.load, profile, kind)
            for kind in kinds
        }
        self.set(Credentials(api_key=values.get("api_key"), token=values.get("jwt")))
        return self._credentials

    async def save(
        self,
        store: SecretStore,
        profile: str,
        secrets: Mapping[CredentialKind, str],
    ) -> None:
        """Store new secrets in an executor, then send them from now on."""
        loop = asyncio.get_running_loop()
        for kind, secret in secrets.items():
            await loop.run_in_executor(None, store.save, profile, kind, secret)
        current = self._credentials
        self.set(
            Credentials(
                api_key=secrets.get("api_key", current.api_key),
                token=secrets.get("jwt", current.token),
            )
        )
