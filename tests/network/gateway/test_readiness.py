"""The readiness use case (gateway.readiness), without HTTP: one run open per institution,
drills that reach only the institution that asked, what a run keeps, and its bounds."""

from __future__ import annotations

import orjson
import pytest

from testbed.network.gateway import Gateway, ReadinessError, tenancy
from testbed.network.gateway.base import Caller
from testbed.network.gateway.readiness import MOST_DRILLS
from testbed.network.gateway.tokens import institution_token
from testbed.network.parties import FintechClient
from testbed.network.ratelimit import RateLimited
from testbed.network.readiness import ReadinessBook
from testbed.network.readiness.runs import MAX_EXCHANGES, MAX_RUNS, MAX_TOKENLESS
from testbed.network.world import World
from tests.conftest import WorldFactory


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world(users=3)


@pytest.fixture
def two(world: World) -> tuple[FintechClient, FintechClient]:
    center, self_auth = list(world.directory.clients.values())[:2]
    return center, self_auth


def _observe(gateway: Gateway, code: str, path: str, **request: str) -> None:
    gateway.readiness.observe(
        code,
        method="POST",
        path=path,
        status=200,
        rsp_code="A0000",
        request=dict(request),
        answer={"access_token": "secret-token"},
        bearer="bearer-token",
        began=gateway.world.clock.now(),
    )


def test_one_run_open_per_institution(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, theirs = two
    run = gateway.readiness.start(mine)
    assert gateway.readiness.watching(mine.client_use_code)
    assert not gateway.readiness.watching(theirs.client_use_code)
    with pytest.raises(ReadinessError) as e:
        gateway.readiness.start(mine)
    assert e.value.status == 409
    gateway.readiness.start(theirs)  # another institution's run is its own business
    finished = gateway.readiness.finish(mine)
    assert finished is run and run.report is not None and not run.open
    assert not gateway.readiness.watching(mine.client_use_code)


def test_a_run_keeps_its_institutions_calls_with_secrets_fingerprinted(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, theirs = two
    run = gateway.readiness.start(mine)
    _observe(gateway, mine.client_use_code, "/oauth/2.0/token", client_secret="s3cret")
    _observe(gateway, theirs.client_use_code, "/oauth/2.0/token", client_secret="other")
    [kept] = world.readiness.calls(run)
    assert kept.request["client_secret"].startswith("fp:")
    assert kept.answer["access_token"].startswith("fp:") and kept.token.startswith("fp:")
    assert "s3cret" not in repr(kept) and "secret-token" not in repr(kept)


def test_drills_reach_only_the_institution_that_asked(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, theirs = two
    now = world.clock.now()
    grants = {
        c.client_use_code: institution_token(world, c, ["sa" if c.self_auth else "oob"], now)
        for c in (mine, theirs)
    }
    gateway.readiness.start(mine)
    for kind in ("timeout_after_commit", "deposit_fails", "bank_refusal", "cutover"):
        gateway.readiness.drill(mine, kind)
    faults = world.faults
    bank = next(iter(world.banks))
    for kind, api in (("timeout_after_commit", "withdraw"), ("error", "deposit")):
        assert faults.drawn(kind, bank, api, theirs.client_use_code) is None
    assert faults.closed_to(bank, now, mine.client_use_code)
    assert not faults.closed_to(bank, now, theirs.client_use_code)
    caller = Caller(theirs, grants[theirs.client_use_code], now, [])
    assert all(open_ for _, open_ in gateway.reports.bank_status(caller))
    # the one-shot is used by the first of its institution's withdrawals, then ends
    assert faults.drawn("timeout_after_commit", bank, "withdraw", mine.client_use_code)
    assert faults.drawn("timeout_after_commit", bank, "withdraw", mine.client_use_code) is None

    gateway.readiness.drill(mine, "rate_limit")
    with pytest.raises(RateLimited) as e:
        world.rate_limiter.admit(mine, "balance", now)
    assert e.value.rsp_code == "O0008" and e.value.retry_after == 5
    world.rate_limiter.admit(theirs, "balance", now)

    gateway.readiness.drill(mine, "expired_token")
    assert grants[mine.client_use_code].expires_at == now
    assert grants[theirs.client_use_code].expires_at > now


def test_finishing_ends_the_runs_drills(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, _ = two
    gateway.readiness.start(mine)
    gateway.readiness.drill(mine, "cutover", lasts=600)
    gateway.readiness.drill(mine, "rate_limit")
    bank = next(iter(world.banks))
    gateway.readiness.finish(mine)
    later = world.clock.now()
    assert not world.faults.closed_to(bank, later, mine.client_use_code)
    world.rate_limiter.admit(mine, "balance", later)


def test_runs_and_drills_are_bounded(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, _ = two
    first = gateway.readiness.start(mine)
    _observe(gateway, mine.client_use_code, "/v2.0/bank/status")
    gateway.readiness.finish(mine)
    for _ in range(MAX_RUNS):
        gateway.readiness.start(mine)
        gateway.readiness.finish(mine)
    runs = world.readiness.of(mine.client_use_code)
    assert len(runs) == MAX_RUNS and first not in runs
    assert first.id not in world.readiness.exchanges  # its calls went with it
    assert not [k for k in world.readiness.tables["readiness_exchange"] if k.startswith(first.id)]

    run = gateway.readiness.start(mine)
    for _ in range(MOST_DRILLS):
        gateway.readiness.drill(mine, "expired_token")
    with pytest.raises(ReadinessError):
        gateway.readiness.drill(mine, "expired_token")
    run.exchanges_seen = MAX_EXCHANGES
    _observe(gateway, mine.client_use_code, "/v2.0/bank/status")
    assert run.exchanges_seen == MAX_EXCHANGES + 1 and not world.readiness.calls(run)


def test_a_run_comes_back_from_the_store_as_it_was(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, _ = two
    run = gateway.readiness.start(mine)
    gateway.readiness.drill(mine, "cutover")
    for path in ("/v2.0/bank/status", "/v2.0/user/me", "/v2.0/account/list"):
        _observe(gateway, mine.client_use_code, path)
    again = ReadinessBook()
    for kind, key, record in reversed(world.readiness.records()):  # any order
        again.load(kind, key, record)
    back = again.active[mine.client_use_code]
    assert back.id == run.id and back.exchanges_seen == 3 and back.drills == run.drills
    assert [e.path for e in again.calls(back)] == [e.path for e in world.readiness.calls(run)]


def test_a_drills_events_are_its_institutions_alone(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    gateway = Gateway(world)
    mine, theirs = two
    seen = world.events.seq
    gateway.readiness.start(mine)
    gateway.readiness.drill(mine, "cutover")
    world.clock.sync()
    events = world.events.since(seen)
    kinds = {e["type"] for e in events}
    assert {"readiness_start", "readiness_drill", "fault_start"} <= kinds
    for event in events:
        assert tenancy.may_see_event(world, "", frozenset({mine.client_use_code}), event)
        assert not tenancy.may_see_event(world, "", frozenset({theirs.client_use_code}), event)


def test_what_strangers_can_add_to_a_run_is_bounded(
    world: World, two: tuple[FintechClient, FintechClient]
) -> None:
    """Calls without a token can name the institution by its public client_id (the
    authorize page, the token endpoint): they get a share of a run, and each call keeps a
    few kB whatever it sent."""
    gateway = Gateway(world)
    mine, _ = two
    run = gateway.readiness.start(mine)
    huge = {f"k{i}": {"deep": [list(range(100))] * 100, "text": "x" * 100_000} for i in range(500)}
    for _ in range(MAX_TOKENLESS + 5):
        gateway.readiness.observe(
            mine.client_use_code,
            method="GET",
            path="/oauth/2.0/authorize",
            status=400,
            rsp_code=None,
            request=huge,
            answer={},
            began=world.clock.now(),
        )
    _observe(gateway, mine.client_use_code, "/v2.0/bank/status")  # a token's call still kept
    kept = world.readiness.calls(run)
    assert len(kept) == MAX_TOKENLESS + 1 and kept[-1].token
    assert max(len(orjson.dumps(e.request)) for e in kept) < 16_000
