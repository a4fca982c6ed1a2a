"""The live source: Seoul Open Data Plaza over HTTP, with timeouts, bounded retries and a secret key.

``SeoulSource.fetch("json", "RealtimeCityAir", 1, 25)`` asks
``{base_url}/{KEY}/json/RealtimeCityAir/1/25`` and returns the body as sent, so live data goes
through the same parsers as the demo and replay sources. Every failure is one FeedError:

- connect errors, timeouts, HTTP 5xx and the upstream's ERROR-500/600/601 are retried a few
  times with exponential backoff; a bad key (INFO-100), a blocked key (INFO-300) and bad requests
  (ERROR-3xx) are not. After the last try an upstream error body is returned as it is, so the
  parser reports its code; an HTTP failure raises FeedError.
- a failure stays where it is: when a service does not answer in time (or drops the connection)
  after every try, that service alone answers at once with the same reason for ``cooldown``
  seconds, instead of making every hotspot of a traffic poll wait out its own timeouts; the
  other services are still asked. Only a host that cannot be reached at all (connection
  refused, connect timeout, no such host) holds off every service.
- one request at a time: the source adds no parallelism of its own (citydata is one place per
  call, and traffic.fetch asks for the places one after another).

The key is a path segment, so a logged URL would leak it. Reasons are built from the redacted
URL (``.../***/json/...``), exceptions from requests and urllib3 (whose text holds the URL) never
leave this module or become the context of a FeedError, a filter redacts the key in every record
of the requests and urllib3 loggers (urllib3 logs request lines at DEBUG), and a body that
echoes the key has it replaced.

The incident code tables (AccMainCode, AccSubCode) are fetched with the first AccInfo call and
again daily into this source's own ``code_names`` (upstream's Korean names, the built-in
English), which the incident feed reads with each answer; nothing process-wide is rewritten. When
they cannot be fetched the built-in names stay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from urllib3.exceptions import ProtocolError

from feeds import incidents
from feeds.base import FeedError
from feeds.envelope import read_rows
from feeds.reasons import Reason

DEFAULT_BASE_URL = "http://openapi.seoul.go.kr:8088"
HOST = "*"  # the hold that stops every service: the host itself is not reachable
RETRY_CODES = frozenset({"ERROR-500", "ERROR-600", "ERROR-601"})
CODE_TABLES_MAX_AGE = 24 * 3600  # seconds before the code tables are fetched again
CODE_TABLES_RETRY = 3600  # seconds before a failed fetch of the code tables is tried again
USER_AGENT = "city-wall/0.1 (Seoul city-status wall)"
# Loggers that see request URLs. A filter on a logger applies only to records logged on it, not
# to its children's, so each one that logs is named.
URL_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
    "requests.packages.urllib3",
)

log = logging.getLogger(__name__)


class _RedactSecrets(logging.Filter):
    """Replaces every registered secret in a record's message and traceback with ***."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def redact(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, "***")
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: show it raw, but still redacted
            message = f"{record.msg} {record.args}"
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


_redact_filter = _RedactSecrets()


def protect(secret: str) -> None:
    """Redact ``secret`` (as given and as URL-quoted) from every requests and urllib3 log record."""
    _redact_filter.secrets.update({secret, quote(secret, safe="")})
    known = [name for name in logging.root.manager.loggerDict if name.startswith(("urllib3", "requests"))]
    for name in (*URL_LOGGERS, *known):
        logger = logging.getLogger(name)
        if _redact_filter not in logger.filters:
            logger.addFilter(_redact_filter)


@dataclass
class _Answer:
    """What one request came to: a body, or an error; and whether asking again may help."""

    body: str | None = None
    error: FeedError = field(default_factory=lambda: FeedError(Reason("seoul.not_asked")))
    retry: bool = False
    unreachable: bool = False  # no HTTP answer at all
    host_down: bool = False  # not even a connection: every service of the host is unreachable


class SeoulSource:
    """The Source for the live Seoul Open Data Plaza API."""

    name = "seoul"
    speed = 1.0

    def __init__(
        self,
        key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        attempts: int = 3,
        backoff: float = 0.5,
        cooldown: float = 30.0,
        hotspots: tuple[str, ...] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """A source asking ``base_url`` with ``key``, one request at a time.

        ``timeout`` is (connect, read) seconds per request; ``attempts`` counts the first try;
        retry n waits ``backoff * 2**(n-1)`` seconds; ``hotspots`` are the citydata places that
        traffic.fetch polls (None for its default list).
        """
        key = key.strip()
        if not key:
            raise ValueError("the Seoul API needs a key (SEOUL_API_KEY)")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._key = key
        self._quoted_key = quote(key, safe="")
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        # Shown in reasons and logs: no key, and no password should a mirror's URL hold one.
        self.shown_base_url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.cooldown = cooldown
        self.hotspots = tuple(hotspots) if hotspots else None
        self._clock = clock
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._lock = threading.Lock()  # one request at a time; a Session is not thread-safe either
        # (until, reason) per service that did not answer, and under HOST for a host not reached
        self._holds: dict[str, tuple[float, str]] = {}
        self._names_due = 0.0  # when the incident code tables are next fetched
        self._names = incidents.BUILT_IN  # what this source knows the incident codes as
        protect(key)

    def __repr__(self) -> str:
        return f"SeoulSource({self.shown_base_url!r})"

    def now(self) -> float:
        return self._clock()

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        return self._get(fmt, service, start, end, *filters)

    def code_names(self) -> incidents.CodeNames:
        """The incident codes' names: upstream's code tables, read once a day (the built-in
        names until they answer)."""
        self._refresh_code_names()
        return self._names

    def close(self) -> None:
        self._session.close()

    def _get(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        segments = [str(s) for s in (fmt, service, start, end, *filters)]
        url = "/".join([self.base_url, self._quoted_key, *(quote(s, safe="") for s in segments)])
        shown = "/".join([self.shown_base_url, "***", *segments])
        for scope in (HOST, service):
            until, reason = self._holds.get(scope, (0.0, ""))
            if self._clock() < until:
                raise FeedError(Reason("seoul.held", reason=reason, seconds=f"{until - self._clock():.0f}"))
            self._holds.pop(scope, None)
        answer = _Answer()
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            answer = self._attempt(url, shown, service)
            if not answer.retry:
                break
            log.debug(
                "%s: try %d of %d failed: %s",
                service,
                attempt + 1,
                self.attempts,
                answer.error if answer.body is None else "the upstream's server failed",
            )
        if answer.body is not None:
            return answer.body
        if answer.unreachable and self.cooldown > 0:
            scope = HOST if answer.host_down else service
            self._holds[scope] = (self._clock() + self.cooldown, answer.error.reason)
        raise answer.error

    def _attempt(self, url: str, shown: str, service: str) -> _Answer:
        """One request. Never raises: a failure is the answer's ``error``.

        The requests exception is turned into a FeedError here and dropped, so neither its text
        nor its traceback (both hold the URL with the key) can travel any further.
        """
        connect, read = self.timeout
        try:
            with self._lock:
                response = self._session.get(url, timeout=self.timeout, allow_redirects=False)
                content = response.content
        except requests.ConnectTimeout:
            reason = Reason("seoul.connect_timeout", seconds=f"{connect:g}", url=shown)
            return _Answer(error=FeedError(reason), retry=True, unreachable=True, host_down=True)
        except requests.Timeout:
            reason = Reason("seoul.read_timeout", seconds=f"{read:g}", url=shown)
            return _Answer(error=FeedError(reason), retry=True, unreachable=True)
        except requests.ConnectionError as exc:
            if _dropped(exc):  # connected, then the server closed the socket without an answer
                reason = Reason("seoul.dropped", url=shown)
                return _Answer(error=FeedError(reason), retry=True, unreachable=True)
            reason = Reason("seoul.unreachable", url=shown)
            return _Answer(error=FeedError(reason), retry=True, unreachable=True, host_down=True)
        except Exception as exc:  # anything else requests or urllib3 raise: its text is not shown
            reason = Reason("seoul.request_failed", error=type(exc).__name__, url=shown)
            return _Answer(error=FeedError(reason, transient=False))
        status = response.status_code
        if status != 200:
            # A redirect is not followed: it would carry the key to wherever it points.
            reason = Reason("seoul.http_status", status=status, url=shown)
            error = FeedError(reason, transient=status >= 500 or status == 429)
            return _Answer(error=error, retry=status >= 500)
        try:
            body = content.decode("utf-8")
        except UnicodeDecodeError:
            body = content.decode(response.encoding or "utf-8", errors="replace")
        if self._key in body or self._quoted_key in body:
            body = body.replace(self._key, "***").replace(self._quoted_key, "***")
        return _Answer(body=body, retry=_retry_code(body, service) is not None)

    def _refresh_code_names(self) -> None:
        if self._clock() < self._names_due:
            return
        try:
            names, counts = incidents.read_code_names(self._get)
        except FeedError as exc:
            self._names_due = self._clock() + CODE_TABLES_RETRY
            log.warning("incident code tables not fetched, keeping the built-in names: %s", exc)
            return
        self._names, self._names_due = names, self._clock() + CODE_TABLES_MAX_AGE
        log.info("incident code tables fetched: %d types, %d details", *counts)


def _dropped(exc: requests.ConnectionError) -> bool:
    """Whether a connection error came after connecting (the answer was cut), not before."""
    cause = exc.args[0] if exc.args else None
    cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the real one
    return isinstance(cause, (ProtocolError, ConnectionResetError))


def _retry_code(body: str, service: str) -> str | None:
    """The upstream result code of a body when it is worth asking again (ERROR-500 ...), else None."""
    try:
        read_rows(body, service)
    except FeedError as exc:
        return exc.code if exc.code in RETRY_CODES else None
    return None
