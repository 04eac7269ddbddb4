"""Settings of one testbed process: where its network, database and clock come from."""

from __future__ import annotations

from dataclasses import dataclass, field

#: the day Open Banking went live for every fintech (본격서비스, 2019-12-18)
DEFAULT_SEED = 20191218
#: where a virtual clock starts when nothing says otherwise
DEFAULT_VIRTUAL_START = "2025-12-18T09:00:00+09:00"
#: the HTTPS port of `serve --tls` (443 needs privileges: see the README)
DEFAULT_TLS_PORT = 8443


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    banks: str = "kftc"  # a file path, or the name of a shipped network
    db: str = "testbed.db"  # a file, or ":memory:"
    seed: int = DEFAULT_SEED
    clock: str = "realtime"  # or "virtual"
    start: str | None = None  # ISO-8601 simulated start; realtime default: now
    speed: float = 1.0
    admin_token: str = ""
    users: int = 100  # size of the seeded world
    history_days: int = 92
    tls: bool = False  # HTTPS served too (`serve --tls`): the portal's cookie may be Secure
    tls_port: int = DEFAULT_TLS_PORT
    #: the portal's cookie key, base64 of 32 bytes (`$TESTBED_SESSION_KEY`); empty: the key
    #: file beside the database, made once (`:memory:`: a new key each start)
    session_key: str = ""
    #: the master key of the database's encryption, base64 of 32 bytes
    #: (`$TESTBED_DATA_KEY`); empty: the key file beside the database (testbed.store.crypto)
    data_key: str = field(default="", repr=False)
    #: `serve --loop-lag MS`: log event-loop stalls of MS or more and name the slow
    #: callbacks (asyncio debug mode); 0, the default: off (testbed.web.loop_watch)
    loop_lag_ms: float = 0.0
    #: where secrets (client secrets, tokens, codes, flow ids, SMS codes, signing keys) come
    #: from: "system", the OS's CSPRNG (every server); "replay", the seeded streams, only
    #: for `testbed replay`, whose transcripts must come out the same twice (testbed.rng)
    secrets: str = "system"
