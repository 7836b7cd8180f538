"""The throwaway services never race for a port.

A port is never chosen before it is bound: PostgreSQL and Redis bind it
themselves and move on to the next port of the worker's share when it is
taken; gunicorn gets a socket the test bound. The races are simulated by taking
the port the server would try first, after the server object is made and
before it starts.
"""

import shutil
import socket
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.production.services import (
    PG_BIN,
    PG_PORTS,
    REDIS_PORTS,
    PostgresCluster,
    RedisServer,
    _redis_pid,
    worker_ports,
)

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server") or not (PG_BIN / "initdb").exists(),
    reason="needs PostgreSQL 15 binaries and redis-server",
)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 9, 16])
def test_workers_share_the_range_without_overlap(count):
    shares = [set(worker_ports(PG_PORTS, f"gw{n}", count)) for n in range(count)]
    assert all(shares)
    assert set().union(*shares) == set(PG_PORTS)
    if count <= len(PG_PORTS):
        assert sum(len(share) for share in shares) == len(PG_PORTS)
    assert worker_ports(REDIS_PORTS, "", 1) == list(REDIS_PORTS)


def take_first_free(ports):
    """A listening socket on the first port of ``ports`` nobody holds."""
    for port in ports:
        try:
            return socket.create_server(("127.0.0.1", port))
        except OSError:
            continue
    raise AssertionError(f"no free port in {ports}")


def answers(cluster):
    with psycopg.connect(cluster.url) as db:
        return db.execute("SHOW port").fetchone()[0] == str(cluster.port)


@pytest.fixture
def clusters():
    made = []
    yield made
    for cluster in made:
        cluster.destroy()


def test_a_cluster_whose_port_is_taken_before_it_binds_takes_the_next(clusters):
    cluster = PostgresCluster().init()
    clusters.append(cluster)
    with take_first_free(cluster.ports) as taken:
        cluster.start()
        held = taken.getsockname()[1]
        assert cluster.port != held
        assert cluster.ports.index(cluster.port) > cluster.ports.index(held)
        assert answers(cluster)
    # A restart keeps the port the cluster got (the site's URL names it).
    port = cluster.port
    cluster.stop()
    cluster.start()
    assert cluster.port == port and answers(cluster)


def test_clusters_made_together_end_on_distinct_ports(clusters):
    clusters += [PostgresCluster(), PostgresCluster()]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda cluster: cluster.init().start(), clusters))
    assert clusters[0].port != clusters[1].port
    assert all(answers(cluster) for cluster in clusters)


@pytest.fixture
def redis_servers():
    made = []
    yield made
    for server in made:
        server.destroy()


def test_a_redis_whose_port_is_taken_before_it_binds_takes_the_next(redis_servers):
    server = RedisServer()
    redis_servers.append(server)
    with take_first_free(server.ports) as taken:
        server.start()
        held = taken.getsockname()[1]
        assert server.port != held
        assert _redis_pid(server.port) == server.process.pid
    port = server.port
    server.stop()
    server.start()
    assert server.port == port and _redis_pid(port) == server.process.pid


def test_a_port_held_by_another_redis_is_not_mistaken_for_ours(redis_servers):
    """The other server answers on the port: the start still moves on."""
    first, second = RedisServer(), RedisServer()
    redis_servers += [first, second]
    first.start()
    second.ports = [first.port, *[p for p in second.ports if p != first.port]]
    second.start()
    assert second.port != first.port
    assert _redis_pid(second.port) == second.process.pid


def test_redis_servers_made_together_end_on_distinct_ports(redis_servers):
    redis_servers += [RedisServer() for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda server: server.start(), redis_servers))
    ports = [server.port for server in redis_servers]
    assert len(set(ports)) == 3
    assert [_redis_pid(port) for port in ports] == [
        server.process.pid for server in redis_servers
    ]
