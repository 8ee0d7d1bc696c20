"""Adobe IMS access tokens for an OAuth Server-to-Server credential.

POST the token endpoint (form: grant_type=client_credentials, client_id, client_secret,
scope) and get `access_token` and `expires_in` (about 24 h). There is no refresh token:
a new token is requested before the current one expires (a margin early), and at once when
a service answers 401 (a token revoked or expired early). Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.config import Settings
from bot.connectors.http import Backoff, Send, describe, send
from bot.errors import ConfigError, PullFailed

# Ask for a new token this long before the current one expires.
REFRESH_MARGIN_SECONDS = 300


def missing_credentials(settings: Settings) -> list[str]:
    needed = {
        "ADOBE_CLIENT_ID": settings.adobe_client_id,
        "ADOBE_CLIENT_SECRET": settings.adobe_client_secret,
        "ADOBE_ORG_ID": settings.adobe_org_id,
        "ADOBE_SCOPES": settings.adobe_scopes,
    }
    return [name for name, value in needed.items() if not value]


class ImsToken:
    """The current access token, fetched when missing or about to expire; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: Send = send,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        missing = missing_credentials(settings)
        if missing:
            raise ConfigError(f"Missing configuration for Adobe IMS: {', '.join(missing)}")
        self.settings = settings
        self.transport, self.clock = transport, clock
        self.backoff = backoff or Backoff(attempts=3)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetched = 0  # tokens requested so far (for status and tests)

    def get(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._expires - REFRESH_MARGIN_SECONDS:
                self._fetch()
            return self._token

    def renew(self, rejected: str) -> str:
        """A new token after a service refused `rejected` (unless another thread renewed it)."""
        with self._lock:
            if self._token == rejected:
                self._fetch()
            return self._token

    def _fetch(self) -> None:
        s = self.settings
        form = {
            "grant_type": "client_credentials",
            "client_id": s.adobe_client_id,
            "client_secret": s.adobe_client_secret,
            "scope": ",".join(s.adobe_scopes),
        }
        for attempt in range(self.backoff.attempts):
            try:
                answer = self.transport("POST", s.adobe_ims_url, form=form, timeout=60)
            except OSError as error:
                failure = f"cannot reach {s.adobe_ims_url} ({error})"
            else:
                if answer.status == 200 and isinstance(answer.body, dict):
                    token = answer.body.get("access_token")
                    if token:
                        self._token = token
                        self._expires = self.clock() + float(answer.body.get("expires_in", 0))
                        self.fetched += 1
                        return
                failure = f"Adobe IMS refused the credential ({describe(answer)})"
                if answer.status < 500 and answer.status != 429:
                    raise PullFailed(f"{failure}; check ADOBE_CLIENT_ID, the secret and scopes")
            if attempt + 1 < self.backoff.attempts:
                self.backoff.pause(attempt)
        raise PullFailed(failure)
