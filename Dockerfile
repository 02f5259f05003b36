# syntax=docker/dockerfile:1
# ray-operator image: `docker build -t ray-operator:latest .`
# Multi-stage: a release build with the Swift runtime linked statically, then a small Debian
# runtime holding only the two C libraries the binary loads (OpenSSL 3 and libyaml).

# ---- build ------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl-dev libyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that editing sources does not re-fetch them. Package.resolved is copied
# when the checkout has one (the glob matches nothing otherwise, and COPY still succeeds).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
# Every target Package.swift declares must exist on disk, tests and tools included.
COPY Sources ./Sources
COPY Tests ./Tests
# The last two commands fail the build if the binary still needs the Swift runtime as a shared
# library (or anything missing), which the runtime stage does not have.
RUN swift build -c release --static-swift-stdlib --product ray-operator \
 && mkdir -p /out \
 && cp "$(swift build -c release --static-swift-stdlib --show-bin-path)/ray-operator" /out/ray-operator \
 && strip /out/ray-operator \
 && ldd /out/ray-operator \
 && ! ldd /out/ray-operator | grep -E 'libswift|libFoundation|not found'

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim
# libssl3: TLS for the webhook server; libyaml-0-2: manifest parsing. libc, libm, libstdc++ and
# libgcc_s are part of the base image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl3 libyaml-0-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ray-operator /usr/local/bin/ray-operator
# The same non-root user as distroless' "nonroot" (config/manager runs the pod as 65532).
USER 65532:65532
# Webhook (HTTPS), metrics, health probes.
EXPOSE 9443 8080 8081
ENTRYPOINT ["ray-operator"]
CMD ["webhook"]
