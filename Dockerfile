# Generative Playground as a Hugging Face Space (Docker SDK): CPU-only torch, the shipped
# weights in pretrained/, no network needed at run time, Streamlit on port 7860 as user 1000.
#
#   docker build -t generative-playground .
#   docker run --rm -p 7860:7860 generative-playground        # then open http://127.0.0.1:7860
#
# BASE_IMAGE: any Debian-like image with python3 (3.11+), venv and pip; Hugging Face builds the
# default. TORCH_INDEX_URL: where the pinned torch comes from (PyTorch's CPU-only wheels, so no
# CUDA libraries); empty = plain pip, for a base whose pip config already offers a CPU wheel
# (deploy/docker_check.sh builds that way on a machine that cannot reach download.pytorch.org).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# EXTRA_PIP: more packages for the image, e.g. "ray==2.60.0" for the cluster image (deploy/kuberay).
ARG EXTRA_PIP=""

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Hugging Face runs a Space's container as uid 1000; its HOME must be writable (~/.streamlit).
RUN useradd --create-home --uid 1000 --shell /bin/bash user \
    && install -d -o user -g user /home/user/app

# A virtual environment: works on python:3.11-slim and on Debian's own python3 (PEP 668).
# torch first, at the version requirements.txt pins, from the CPU index; then the rest, which
# finds torch already satisfied. Only requirements.txt: the browser-test tools stay out.
COPY requirements.txt /tmp/requirements.txt
RUN set -eu; \
    python3 -m venv "$VIRTUAL_ENV"; \
    TORCH_PIN="$(sed -n 's/^\(torch==[^ #]*\).*/\1/p' /tmp/requirements.txt)"; \
    test -n "$TORCH_PIN" || { echo "requirements.txt pins no torch==" >&2; exit 1; }; \
    if [ -n "$TORCH_INDEX_URL" ]; then \
        pip install --index-url "$TORCH_INDEX_URL" "$TORCH_PIN"; \
    else \
        pip install "$TORCH_PIN"; \
    fi; \
    pip install -r /tmp/requirements.txt; \
    if [ -n "$EXTRA_PIP" ]; then pip install $EXTRA_PIP; fi; \
    python -c "import torch; assert torch.version.cuda is None, 'a CUDA build of torch: ' + torch.__version__; print('torch', torch.__version__)"; \
    rm /tmp/requirements.txt

ENV HOME=/home/user \
    HF_HUB_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

USER user
WORKDIR /home/user/app
COPY --chown=user:user . .
RUN python -m compileall -q serve.py app.py app_ui app_pages engine

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:7860/_stcore/health', timeout=4).read() != b'ok')"]

# XSRF protection off: a Space is shown in an iframe on huggingface.co, where browsers drop
# Streamlit's XSRF cookie and uploads would fail with 403 (Hugging Face's cookie limitations).
# browser.serverAddress: the start banner prints it instead of looking up the machine's addresses,
# which on 0.0.0.0 in headless mode means an HTTP request to checkip.amazonaws.com (offline: none).
CMD ["streamlit", "run", "serve.py", "--server.port=7860", "--server.address=0.0.0.0", "--server.enableXsrfProtection=false", "--browser.serverAddress=localhost"]
