"""The project's OpenSearch cluster (issue 18, part 1): real JVMs started by our launcher.

The session's 3-node cluster (tests/opensearch_support.py) answers most tests; the stop and
restart test starts a 1-node cluster of its own, since stopping the shared one would end it for
every later test. Index names are unique per test, so tests do not depend on their order.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from conftest import one_error_line
from opensearch_support import start_cluster_on_free_ports
from opensearchpy import OpenSearch

from search.backends.opensearch import cluster as cluster_control
from search.backends.opensearch.errors import ClusterError, ClusterRunning

pytestmark = pytest.mark.opensearch

STORIES = {
    "amraam": ["Ukraine gets AMRAAM missiles", "More AMRAAM missiles for Kyiv", "AMRAAM deliveries begin"],
    "budget": ["Budget vote delayed", "Budget passes the house"],
    "storm": ["Storm hits the coast"],
}


def client_for(urls: list[str]) -> OpenSearch:
    return OpenSearch(hosts=urls, timeout=60, max_retries=3, retry_on_timeout=True)


@pytest.fixture(scope="module")
def client(opensearch_cluster) -> OpenSearch:
    return client_for(opensearch_cluster.urls)


def create_story_index(client: OpenSearch, name: str, shards: int = 2, replicas: int = 1) -> list[str]:
    """An index of STORIES routed by story id, refreshed and green; the ids written."""
    client.indices.create(index=name, body={
        "settings": {"number_of_shards": shards, "number_of_replicas": replicas},
        "mappings": {"properties": {"story": {"type": "keyword"}, "headline": {"type": "text"},
                                    "version": {"type": "integer"}, "entities": {"type": "rank_features"}}},
    })
    ids = []
    lines = []
    for story, headlines in STORIES.items():
        for version, headline in enumerate(headlines):
            doc_id = f"{story}-{version}"
            ids.append(doc_id)
            lines.append({"index": {"_index": name, "_id": doc_id, "routing": story}})
            lines.append({"story": story, "headline": headline, "version": version,
                          "entities": {story: 1.0 + version}})
    answer = client.bulk(body=lines, refresh=True)
    assert not answer["errors"], answer
    client.cluster.health(index=name, wait_for_status="green")
    return ids


def all_ids(client: OpenSearch, index: str) -> set[str]:
    answer = client.search(index=index, body={"query": {"match_all": {}}, "size": 100, "_source": False})
    return {hit["_id"] for hit in answer["hits"]["hits"]}


def process_gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def jvms_naming(folder: Path) -> list[int]:
    """PIDs of live processes whose command line mentions `folder`."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        arguments = process.info["cmdline"] or []
        if process.info["status"] != psutil.STATUS_ZOMBIE and any(str(folder) in arg for arg in arguments):
            found.append(process.info["pid"])
    return found


def test_the_cluster_goes_green_with_three_nodes_on_loopback(opensearch_cluster, client):
    health = client.cluster.health(wait_for_status="green")
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    http = client.nodes.info(metric="http,transport")["nodes"].values()
    assert sorted(node["name"] for node in http) == ["node-1", "node-2", "node-3"]
    for node in http:
        for address in node["http"]["bound_address"] + node["transport"]["bound_address"]:
            assert address.startswith("127.0.0.1:"), address
    assert all(node.pid and not process_gone(node.pid) for node in opensearch_cluster.nodes)


def test_every_module_the_engine_relies_on_is_loaded_on_every_node(opensearch_cluster, client):
    plugins = client.nodes.info(metric="plugins")["nodes"].values()
    for node in plugins:
        loaded = {plugin["name"] for plugin in node["plugins"]}
        assert set(cluster_control.MODULES.values()) <= loaded, (node["name"], loaded)
    cluster_control.check_modules(opensearch_cluster.url)
    required = {**cluster_control.MODULES, "imaginary": "org.example.ImaginaryPlugin"}
    with pytest.raises(ClusterError) as refused:
        cluster_control.check_modules(opensearch_cluster.url, required)
    assert "refusing" in refused.value.message and "node-1 lacks imaginary" in refused.value.message
    assert "transport-netty4" not in refused.value.message


def test_a_sharded_index_is_written_searched_and_collapsed_by_story(client):
    ids = create_story_index(client, "collapse-test")
    shards = client.cat.shards(index="collapse-test", format="json")
    assert len(shards) == 4 and {row["state"] for row in shards} == {"STARTED"}
    for number in ("0", "1"):
        assert len({row["node"] for row in shards if row["shard"] == number}) == 2  # copies on two nodes
    assert all_ids(client, "collapse-test") == set(ids)
    body = {"query": {"match": {"headline": "amraam budget"}},
            "collapse": {"field": "story", "inner_hits": {"name": "versions", "size": 10,
                                                           "sort": [{"version": "asc"}]}}}
    groups = client.search(index="collapse-test", body=body)["hits"]["hits"]
    assert sorted(hit["fields"]["story"][0] for hit in groups) == ["amraam", "budget"]
    for group in groups:
        story = group["fields"]["story"][0]
        versions = [hit["_id"] for hit in group["inner_hits"]["versions"]["hits"]["hits"]]
        assert versions == [f"{story}-{version}" for version in range(len(STORIES[story]))]


def test_painless_and_rank_features_answer(client):
    create_story_index(client, "modules-test")
    scripted = {"query": {"script_score": {"query": {"term": {"story": "amraam"}},
                                           "script": {"source": "doc['version'].value * 10 + 1"}}}}
    hits = client.search(index="modules-test", body=scripted)["hits"]["hits"]
    scores = {hit["_id"]: hit["_score"] for hit in hits}
    assert scores == {"amraam-0": 1.0, "amraam-1": 11.0, "amraam-2": 21.0}
    feature = {"query": {"rank_feature": {"field": "entities.budget", "linear": {}}}}
    hits = client.search(index="modules-test", body=feature)["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["budget-1", "budget-0"]


def test_kill_nine_of_a_non_manager_node_then_restart_loses_nothing(opensearch_cluster, client):
    ids = set(create_story_index(client, "fault-test"))
    client.indices.flush(index="fault-test")
    manager = opensearch_cluster.manager_index()
    victim = next(node for node in opensearch_cluster.nodes if node.index != manager)
    survivors = client_for([node.url for node in opensearch_cluster.nodes if node is not victim])
    pid = opensearch_cluster.kill_node(victim.index)
    assert process_gone(pid) and victim.pid is None
    health = wait_for(lambda: survivors.cluster.health(), lambda h: h["number_of_nodes"] == 2, 60)
    assert health["status"] in ("yellow", "red")
    assert all_ids(survivors, "fault-test") == ids  # the promoted copies answer for the lost ones

    new_pid = opensearch_cluster.restart_node(victim.index)
    assert new_pid != pid and victim.pid == new_pid
    health = survivors.cluster.health()
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    assert all_ids(client, "fault-test") == ids
    assert client.count(index="fault-test")["count"] == len(ids)


def wait_for(read, done, seconds: float):
    """Call `read` until `done` accepts its answer; that answer (AssertionError after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = read()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, f"still {answer} after {seconds} s"
        time.sleep(0.2)


def test_a_second_start_says_the_cluster_is_running(opensearch_cluster, run_cli):
    with pytest.raises(ClusterRunning, match="already running: 3 nodes"):
        cluster_control.start(data_dir=opensearch_cluster.data_dir)
    result = run_cli("cluster", "start", "--data-dir", str(opensearch_cluster.data_dir))
    assert result.code == 0, result
    assert "already running" in result.stdout and opensearch_cluster.url in result.stdout


def test_status_shows_nodes_health_shards_and_documents(opensearch_cluster, client, run_cli):
    ids = create_story_index(client, "status-test", shards=1, replicas=1)
    result = run_cli("cluster", "status", "--json", "--data-dir", str(opensearch_cluster.data_dir))
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["running"] and report["number_of_nodes"] == 3
    assert [node["pid"] for node in report["nodes"]] == [node.pid for node in opensearch_cluster.nodes]
    assert sum(node["cluster_manager"] for node in report["nodes"]) == 1
    index = next(row for row in report["indices"] if row["name"] == "status-test")
    assert index["documents"] == len(ids) and (index["primaries"], index["replicas"]) == (1, 1)
    assert report["documents"] >= len(ids) and report["shards"]["unassigned"] == 0
    text = run_cli("cluster", "status", "--data-dir", str(opensearch_cluster.data_dir))
    assert "index status-test: green, 1 primaries x 1 replicas, 6 documents" in text.stdout


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_a_non_loopback_host_is_refused(host, tmp_path, run_cli):
    with pytest.raises(ClusterError, match="loopback"):
        cluster_control.start(host=host, data_dir=tmp_path / "refused")
    result = run_cli("cluster", "start", "--host", host, "--data-dir", str(tmp_path / "refused"))
    assert "loopback" in one_error_line(result)
    assert not (tmp_path / "refused").exists()


def test_cli_errors_are_one_line(tmp_path, run_cli):
    assert "invalid choice" in one_error_line(run_cli("cluster", "frobnicate"))
    assert "heap" in one_error_line(run_cli("cluster", "start", "--heap", "12"))
    (tmp_path / "not-a-cluster").mkdir()
    wipe = run_cli("cluster", "stop", "--wipe", "--data-dir", str(tmp_path / "not-a-cluster"))
    assert "not deleting" in one_error_line(wipe)
    assert (tmp_path / "not-a-cluster").is_dir()


def test_stop_spares_a_process_whose_pid_was_recorded_but_is_not_a_node(tmp_path):
    data_dir = tmp_path / "stale"
    plan = cluster_control.Plan.make(1, 29201, 29301, "127.0.0.1", "512m")
    plan.save(data_dir)
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        home = data_dir / "node-1"
        home.mkdir()
        (home / cluster_control.PID_FILE).write_text(str(bystander.pid))
        assert cluster_control.stop(data_dir=data_dir) == []
        assert bystander.poll() is None
        assert cluster_control.status(data_dir)["running"] is False
    finally:
        bystander.kill()
        bystander.wait()


def test_stop_leaves_no_jvm_and_a_restart_keeps_the_data_without_bootstrapping(tmp_path, run_cli):
    data_dir = tmp_path / "single"
    single = start_cluster_on_free_ports(data_dir, nodes=1)
    try:
        config = data_dir / "node-1" / "config" / "opensearch.yml"
        assert "cluster.initial_cluster_manager_nodes" in config.read_text()
        one = client_for(single.urls)
        one.indices.create(index="kept", body={"settings": {"number_of_replicas": 0}})
        one.index(index="kept", id="a", body={"headline": "kept across restarts"}, refresh=True)
        pid = single.nodes[0].pid
        assert single.stop() == ["node-1"]
        assert process_gone(pid) and jvms_naming(data_dir) == []
        assert not (data_dir / "node-1" / cluster_control.PID_FILE).exists()

        again = cluster_control.start(nodes=1, http_base=single.nodes[0].http_port,
                                      transport_base=single.nodes[0].transport_port, data_dir=data_dir)
        assert "cluster.initial_cluster_manager_nodes" not in config.read_text()
        assert again.nodes[0].pid != pid
        assert one.get(index="kept", id="a")["_source"]["headline"] == "kept across restarts"
    finally:
        result = run_cli("cluster", "stop", "--wipe", "--data-dir", str(data_dir))
    assert result.code == 0 and "stopped node-1" in result.stdout, result
    assert not data_dir.exists() and jvms_naming(data_dir) == []


def test_a_module_that_does_not_load_refuses_the_cluster_and_leaves_no_jvm(tmp_path, monkeypatch):
    """The launcher skips a class it cannot find, as OpenSearch would; the start-up check refuses."""
    monkeypatch.setitem(cluster_control.MODULES, "imaginary", "org.example.ImaginaryPlugin")
    data_dir = tmp_path / "refused"
    with pytest.raises(ClusterError) as refused:
        start_cluster_on_free_ports(data_dir, nodes=1)
    assert refused.value.message.startswith("refusing the cluster: OpenSearch modules did not load")
    assert "node-1 lacks imaginary" in refused.value.message and "\n" not in refused.value.message
    assert jvms_naming(data_dir) == [] and not (data_dir / "node-1" / cluster_control.PID_FILE).exists()
    assert "org.example.ImaginaryPlugin skipped" in (data_dir / "node-1" / "logs" / "node-1.log").read_text()
