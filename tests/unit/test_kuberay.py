"""deploy/kuberay: what the cluster deployment must say (static checks; no cluster here)."""

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kuberay"


def documents(name: str) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all((DEPLOY / name).read_text())}


def test_the_head_trains_nothing_and_the_trainers_autoscale():
    cluster = documents("raycluster.yaml")["RayCluster"]["spec"]
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    assert cluster["enableInTreeAutoscaling"] is True
    groups = {group["groupName"]: group for group in cluster["workerGroupSpecs"]}
    trainers, gpu_trainers = groups["trainers"], groups["gpu-trainers"]
    assert 1 <= trainers["minReplicas"] <= trainers["replicas"] <= trainers["maxReplicas"]
    assert gpu_trainers["minReplicas"] == 0 < gpu_trainers["maxReplicas"], "GPU nodes only while a run wants one"
    gpus = gpu_trainers["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]
    assert gpus == gpu_trainers["rayStartParams"]["num-gpus"], "Ray offers the GPUs the pod gets"
    requirements = (DEPLOY.parents[1] / "requirements-dev.txt").read_text()
    assert f"ray=={cluster['rayVersion']}" in requirements, "the cluster runs the Ray version the tests use"


def test_the_front_ends_join_as_zero_cpu_nodes_with_the_ray_backend_and_sticky_sessions():
    docs = documents("frontend.yaml")
    (web,) = docs["Deployment"]["spec"]["template"]["spec"]["containers"]
    command = " ".join(web["args"])
    assert "ray start" in command and "--num-cpus=0" in command and "streamlit run serve.py" in command
    env = {item["name"]: item["value"] for item in web["env"]}
    assert env["GP_TRAINER_BACKEND"] == "ray"
    assert web["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    cluster_image = documents("raycluster.yaml")["RayCluster"]["spec"]["headGroupSpec"]["template"]["spec"][
        "containers"
    ][0]["image"]
    assert web["image"] == cluster_image, "one image for the front ends and the trainers"
    annotations = docs["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
