"""The deployment files, checked for what can be checked without a container runtime or a cluster:
the image's command and files exist, the compose services' commands exist, every CXEX_* variable they
set is a setting cxex reads (warehouse/settings.py) with a value it accepts, the shipped dagster.yaml is
a valid instance, and the Helm values use only keys of Dagster's chart. What they do together is
tests/test_deployment_processes.py's business."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "one-host" / "docker-compose.yaml"
HELM = DEPLOY / "helm" / "values.yaml"
BIN = Path(sys.executable).parent
IMAGE = "cxex:latest"

# Keys of Dagster's Helm chart, read from github.com/dagster-io/dagster helm/dagster/values.yaml at commit
# 835892b45aaa0917bc97102968fe062155b64e19 (the dagster/dagster chart of Dagster 1.13): the sections this
# project's values touch, as dotted paths ("[]": an item of a list). Values under FREE_FORM keys are
# Kubernetes objects or lists the chart passes through, not chart keys.
CHART_KEYS = """
global global.postgresqlSecretName global.dagsterHome global.serviceAccountName global.celeryConfigSecretName
nameOverride fullnameOverride rbacEnabled imagePullSecrets
dagsterWebserver dagsterWebserver.replicaCount dagsterWebserver.image dagsterWebserver.image.repository
dagsterWebserver.image.tag dagsterWebserver.image.pullPolicy dagsterWebserver.nameOverride dagsterWebserver.pathPrefix
dagsterWebserver.service dagsterWebserver.service.type dagsterWebserver.service.port dagsterWebserver.service.annotations
dagsterWebserver.workspace dagsterWebserver.workspace.enabled dagsterWebserver.workspace.servers
dagsterWebserver.workspace.externalConfigmap dagsterWebserver.enableReadOnly dagsterWebserver.dbStatementTimeout
dagsterWebserver.dbPoolRecycle dagsterWebserver.logLevel dagsterWebserver.env dagsterWebserver.envConfigMaps
dagsterWebserver.envSecrets dagsterWebserver.deploymentLabels dagsterWebserver.labels dagsterWebserver.volumes
dagsterWebserver.volumeMounts dagsterWebserver.annotations dagsterWebserver.nodeSelector dagsterWebserver.affinity
dagsterWebserver.tolerations dagsterWebserver.podSecurityContext dagsterWebserver.securityContext
dagsterWebserver.resources dagsterWebserver.readinessProbe dagsterWebserver.livenessProbe dagsterWebserver.startupProbe
computeLogManager computeLogManager.type computeLogManager.config pythonLogs
dagster-user-deployments dagster-user-deployments.enabled dagster-user-deployments.enableSubchart
dagster-user-deployments.imagePullSecrets dagster-user-deployments.deployments
dagster-user-deployments.deployments[].name dagster-user-deployments.deployments[].image
dagster-user-deployments.deployments[].image.repository dagster-user-deployments.deployments[].image.tag
dagster-user-deployments.deployments[].image.pullPolicy dagster-user-deployments.deployments[].dagsterApiGrpcArgs
dagster-user-deployments.deployments[].codeServerArgs dagster-user-deployments.deployments[].port
dagster-user-deployments.deployments[].includeConfigInLaunchedRuns
dagster-user-deployments.deployments[].includeConfigInLaunchedRuns.enabled dagster-user-deployments.deployments[].env
dagster-user-deployments.deployments[].envConfigMaps dagster-user-deployments.deployments[].envSecrets
dagster-user-deployments.deployments[].labels dagster-user-deployments.deployments[].volumes
dagster-user-deployments.deployments[].volumeMounts dagster-user-deployments.deployments[].annotations
dagster-user-deployments.deployments[].nodeSelector dagster-user-deployments.deployments[].affinity
dagster-user-deployments.deployments[].tolerations dagster-user-deployments.deployments[].podSecurityContext
dagster-user-deployments.deployments[].securityContext dagster-user-deployments.deployments[].resources
dagster-user-deployments.deployments[].readinessProbe dagster-user-deployments.deployments[].livenessProbe
dagster-user-deployments.deployments[].startupProbe dagster-user-deployments.deployments[].service
dagster-user-deployments.deployments[].service.annotations
scheduler scheduler.type scheduler.config
runLauncher runLauncher.type runLauncher.config runLauncher.config.k8sRunLauncher
runLauncher.config.k8sRunLauncher.imagePullPolicy runLauncher.config.k8sRunLauncher.image
runLauncher.config.k8sRunLauncher.jobNamespace runLauncher.config.k8sRunLauncher.loadInclusterConfig
runLauncher.config.k8sRunLauncher.kubeconfigFile runLauncher.config.k8sRunLauncher.envConfigMaps
runLauncher.config.k8sRunLauncher.envSecrets runLauncher.config.k8sRunLauncher.envVars
runLauncher.config.k8sRunLauncher.volumes runLauncher.config.k8sRunLauncher.volumeMounts
runLauncher.config.k8sRunLauncher.labels runLauncher.config.k8sRunLauncher.resources
runLauncher.config.k8sRunLauncher.failPodOnRunFailure runLauncher.config.k8sRunLauncher.securityContext
runLauncher.config.k8sRunLauncher.runK8sConfig
postgresql postgresql.enabled postgresql.image postgresql.image.repository postgresql.image.tag
postgresql.image.pullPolicy postgresql.postgresqlHost postgresql.postgresqlUsername postgresql.postgresqlPassword
postgresql.postgresqlDatabase postgresql.postgresqlParams postgresql.postgresqlScheme postgresql.service
postgresql.service.port generatePostgresqlPasswordSecret generateCeleryConfigSecret
dagsterDaemon dagsterDaemon.enabled dagsterDaemon.image dagsterDaemon.image.repository dagsterDaemon.image.tag
dagsterDaemon.image.pullPolicy dagsterDaemon.heartbeatTolerance dagsterDaemon.runCoordinator
dagsterDaemon.runCoordinator.enabled dagsterDaemon.runCoordinator.type dagsterDaemon.runCoordinator.config
dagsterDaemon.runCoordinator.config.queuedRunCoordinator
dagsterDaemon.runCoordinator.config.queuedRunCoordinator.maxConcurrentRuns
dagsterDaemon.runCoordinator.config.queuedRunCoordinator.tagConcurrencyLimits
dagsterDaemon.runCoordinator.config.queuedRunCoordinator.dequeueIntervalSeconds
dagsterDaemon.runCoordinator.config.queuedRunCoordinator.dequeueUseThreads
dagsterDaemon.runCoordinator.config.queuedRunCoordinator.dequeueNumWorkers
dagsterDaemon.runMonitoring dagsterDaemon.runMonitoring.enabled dagsterDaemon.runMonitoring.startTimeoutSeconds
dagsterDaemon.runMonitoring.pollIntervalSeconds dagsterDaemon.runMonitoring.maxResumeRunAttempts
dagsterDaemon.runMonitoring.freeSlotsAfterRunEndSeconds dagsterDaemon.runRetries dagsterDaemon.runRetries.enabled
dagsterDaemon.runRetries.maxRetries dagsterDaemon.sensors dagsterDaemon.sensors.useThreads
dagsterDaemon.sensors.numWorkers dagsterDaemon.schedules dagsterDaemon.schedules.useThreads
dagsterDaemon.schedules.numWorkers dagsterDaemon.env dagsterDaemon.envConfigMaps dagsterDaemon.envSecrets
dagsterDaemon.deploymentLabels dagsterDaemon.labels dagsterDaemon.volumes dagsterDaemon.volumeMounts
dagsterDaemon.annotations dagsterDaemon.nodeSelector dagsterDaemon.affinity dagsterDaemon.tolerations
dagsterDaemon.podSecurityContext dagsterDaemon.securityContext dagsterDaemon.resources dagsterDaemon.livenessProbe
dagsterDaemon.readinessProbe dagsterDaemon.startupProbe
migrate migrate.enabled telemetry telemetry.enabled serviceAccount serviceAccount.create serviceAccount.name
serviceAccount.annotations
retention retention.enabled retention.schedule retention.schedule.purgeAfterDays retention.sensor
retention.sensor.purgeAfterDays retention.sensor.purgeAfterDays.failure retention.sensor.purgeAfterDays.skipped
retention.sensor.purgeAfterDays.started retention.sensor.purgeAfterDays.success retention.autoMaterialize
""".split()
FREE_FORM = {"env", "envSecrets", "envConfigMaps", "envVars", "volumes", "volumeMounts", "resources", "labels",
             "annotations", "nodeSelector", "affinity", "tolerations", "podSecurityContext", "securityContext",
             "tagConcurrencyLimits", "runK8sConfig", "imagePullSecrets", "codeServerArgs", "dagsterApiGrpcArgs"}


def key_paths(node, prefix: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{prefix}{k}"
            yield path
            if k not in FREE_FORM:
                yield from key_paths(v, path + ".")
    elif isinstance(node, list):
        for item in node:
            yield from key_paths(item, prefix[:-1] + "[]." if prefix else "")


def dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^([A-Za-z]+)\s+(.*)$", text, re.M)]


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def cli_exists(cmd: list[str]) -> subprocess.CompletedProcess:
    """`cmd --help` with the installed Dagster: 0 when the executable and its subcommands exist."""
    words = [w for w in cmd if not w.startswith("-")][:3]  # the executable and its subcommands
    words = [words[0]] + [w for w in words[1:] if re.fullmatch(r"[a-z][a-z-]*", w)]
    return subprocess.run([str(BIN / words[0]), *words[1:], "--help"], capture_output=True, text=True, timeout=120)


def test_the_image_default_command_serves_the_code_location():
    cmd = json.loads(dict(dockerfile())["CMD"])
    assert cmd[:3] == ["dagster", "code-server", "start"]
    out = cli_exists(cmd)
    assert out.returncode == 0 and "--module-name" in out.stdout, out.stderr
    module = cmd[cmd.index("-m") + 1]
    assert importlib.util.find_spec(module) is not None
    assert cmd[cmd.index("-p") + 1] == str(yaml.safe_load((DEPLOY / "one-host" / "workspace.yaml").read_text())
                                           ["load_from"][0]["grpc_server"]["port"])


def test_every_file_the_image_copies_exists_and_is_not_ignored():
    ignored = [p.strip().rstrip("/") for p in (REPO / ".dockerignore").read_text().splitlines()
               if p.strip() and not p.startswith("#")]
    sources = [src for op, args in dockerfile() if op == "COPY" for src in args.split()[:-1] if not src.startswith("--")]
    assert sources and "requirements.lock" in sources
    for src in sources:
        assert (REPO / src).exists(), src
        assert not any(fnmatch.fnmatch(src.rstrip("/"), pat) for pat in ignored), f"{src} is in .dockerignore"
    assert "pipelines/" in sources and "data" in ignored and ".venv" in ignored


def test_the_compose_services_run_commands_that_exist():
    services = compose()["services"]
    ours = {name: s for name, s in services.items() if s.get("image") == IMAGE}
    assert set(ours) == {"code-server", "webserver", "daemon"} and "build" in ours["code-server"]
    for name, service in ours.items():
        cmd = service.get("command") or json.loads(dict(dockerfile())["CMD"])
        assert cli_exists(cmd).returncode == 0, (name, cmd)
        if "-w" in cmd:  # the workspace file is one of ours, mounted where the command looks
            target = cmd[cmd.index("-w") + 1]
            mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"] if m.startswith("./")}
            assert (COMPOSE.parent / mounts[target]).is_file(), (name, target)
    host = yaml.safe_load((DEPLOY / "one-host" / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]["host"]
    assert host in services


def _settings() -> dict[str, str]:
    from warehouse import settings

    names = {env: name for name, (env, _) in settings.SETTINGS.items()}
    names |= {env: name for name, env in (settings.SECRETS | settings.OTHER).items()}
    return names | {env: name for name, (env, _, _) in settings.SOURCE_LIMITS.items()}


def _set_variables() -> dict[str, dict[str, str]]:
    """file -> {CXEX_* variable: the value it sets (compose defaults substituted)}."""
    out: dict[str, dict[str, str]] = {}
    for op, args in dockerfile():
        if op == "ENV":
            out.setdefault("Dockerfile", {}).update(dict(re.findall(r"(\w+)=(\S+)", args)))
    for service in compose()["services"].values():
        env = service.get("environment") or {}
        out.setdefault("docker-compose.yaml", {}).update({k: str(v) for k, v in env.items()})
    for dep in yaml.safe_load(HELM.read_text())["dagster-user-deployments"]["deployments"]:
        out.setdefault("values.yaml", {}).update({e["name"]: e["value"] for e in dep["env"]})
    subst = re.compile(r"\$\{\w+:-([^}]*)\}")
    return {f: {k: subst.sub(r"\1", v) for k, v in env.items() if k.startswith("CXEX_")} for f, env in out.items()}


def test_every_cxex_variable_the_files_name_is_a_setting_the_code_reads():
    known = _settings()
    for path in (REPO / "Dockerfile", COMPOSE, HELM):
        named = set(re.findall(r"\b(CXEX_[A-Z_]+)\b", path.read_text()))
        assert named and not named - set(known), f"{path.name}: {sorted(named - set(known))} are not in warehouse/settings.py"


def test_the_settings_the_files_set_are_accepted():
    from warehouse import settings

    for file, env in _set_variables().items():
        values = {settings_name: env[var] for var, settings_name in _settings().items()
                  if var in env and settings_name in settings.SETTINGS}
        assert values, file
        settings.validate(values)  # raises SettingError naming the variable
        if "CXEX_PUBLISH_OPTIONS" in env:
            assert isinstance(json.loads(env["CXEX_PUBLISH_OPTIONS"]), dict), file
    assert _set_variables()["values.yaml"]["CXEX_PUBLISH_URL"].startswith("s3://")


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("dagster.yaml")), ids=lambda p: str(p.relative_to(REPO)))
def test_a_shipped_dagster_yaml_is_a_valid_instance(path, tmp_path, monkeypatch):
    """Its Postgres storage against dagster-postgres's own schema (connecting needs a server:
    test_instance_postgres.py and test_deployment_processes.py), the rest by constructing the instance;
    every variable it reads is set for each Dagster service of the compose file."""
    from dagster import DagsterInstance
    from dagster_postgres import DagsterPostgresStorage

    cfg = yaml.safe_load(path.read_text())
    storage, schema = cfg.pop("storage")["postgres"], DagsterPostgresStorage.config_type()
    assert set(storage) <= set(schema) and set(storage["postgres_db"]) <= set(schema["postgres_db"].config_type.fields)
    env_vars = re.findall(r"\{\s*env:\s*(\w+)\s*\}", path.read_text())
    for name, service in compose()["services"].items():
        if service.get("image") == IMAGE:
            assert set(env_vars) <= set(service["environment"]), name
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_DIR", str(tmp_path / "logs"))
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(cfg))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
        assert type(instance.compute_log_manager).__name__ == "LocalComputeLogManager"


def test_the_helm_values_use_only_keys_of_dagsters_chart():
    values = yaml.safe_load(HELM.read_text())
    unknown = sorted(set(key_paths(values)) - set(CHART_KEYS))
    assert not unknown, f"not keys of the dagster/dagster chart: {unknown}"
    dep = values["dagster-user-deployments"]["deployments"][0]
    assert importlib.util.find_spec(dep["codeServerArgs"][dep["codeServerArgs"].index("-m") + 1]) is not None
    assert values["runLauncher"]["type"] == "K8sRunLauncher" and values["postgresql"]["enabled"] is False


def test_cxex_schedule_crons_gives_a_named_schedule_another_cron_and_refuses_anything_else(monkeypatch):
    """The setting the process test fires the real schedule with (and a demo of a deployment may)."""
    from warehouse.settings import SettingError, schedule_cron

    monkeypatch.setenv("CXEX_SCHEDULE_CRONS", json.dumps({"css_yearly_schedule": "* * * * *"}))
    assert schedule_cron("css_yearly_schedule", "0 6 1 12 *") == "* * * * *"
    assert schedule_cron("fevs_yearly_schedule", "0 6 1 6 *") == "0 6 1 6 *"
    for bad in ('["* * * * *"]', '{"css_yearly_schedule": 5}', "css_yearly_schedule=* * * * *"):
        monkeypatch.setenv("CXEX_SCHEDULE_CRONS", bad)
        with pytest.raises(SettingError, match="CXEX_SCHEDULE_CRONS"):
            schedule_cron("css_yearly_schedule", "0 6 1 12 *")
