# syntax=docker/dockerfile:1
#
# The image of the qaenv janitor (deploy/janitor.yaml): kubectl and kubectl-qaenv on PATH,
# running as a non-root user, so `kubectl qaenv …` works as in a shell. Build it from the
# repository's root and push it where the cluster pulls from:
#
#   docker build -t registry.example.com/kubectl-qaenv:0.1.0 \
#       --build-arg QAENV_GIT_COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker push registry.example.com/kubectl-qaenv:0.1.0
#
# Build arguments: KUBECTL_VERSION (the kubectl release, checked against its published
# SHA-256), RUST_VERSION (the toolchain; at least the rust-version in Cargo.toml) and
# QAENV_GIT_COMMIT (what `kubectl qaenv version` prints; the build context has no .git).

ARG RUST_VERSION=1.89
ARG KUBECTL_VERSION=v1.33.1

# 1. The release binary. Debian 12 (bookworm), like the runtime image, so glibc matches.
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
ARG QAENV_GIT_COMMIT=unknown
ENV QAENV_GIT_COMMIT=${QAENV_GIT_COMMIT}
COPY . .
RUN cargo build --release --locked --bin kubectl-qaenv \
 && install -m 0755 target/release/kubectl-qaenv /usr/local/bin/kubectl-qaenv

# 2. kubectl, pinned and verified.
FROM debian:bookworm-slim AS kubectl
ARG KUBECTL_VERSION
# Set by BuildKit for the platform being built (amd64, arm64); amd64 without BuildKit.
ARG TARGETARCH
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && arch="${TARGETARCH:-amd64}" \
 && base="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}" \
 && curl -fsSLo /usr/local/bin/kubectl "${base}/kubectl" \
 && curl -fsSLo /tmp/kubectl.sha256 "${base}/kubectl.sha256" \
 && echo "$(cat /tmp/kubectl.sha256)  /usr/local/bin/kubectl" | sha256sum --check \
 && chmod 0755 /usr/local/bin/kubectl

# 3. The runtime: glibc and CA certificates, no shell, no package manager; user nonroot
#    (65532), as the CronJob's securityContext expects.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=kubectl /usr/local/bin/kubectl /usr/local/bin/kubectl
COPY --from=build /usr/local/bin/kubectl-qaenv /usr/local/bin/kubectl-qaenv
USER 65532:65532
ENTRYPOINT ["kubectl", "qaenv"]
CMD ["down", "--expired", "--yes"]
