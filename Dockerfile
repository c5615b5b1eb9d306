# One small static image for every crmconvert process: `api` (the default
# command), `worker`, `migrate`, `seed`, `token`, and `health` (its health check).
#
#   docker build -t crmconvert:dev .
#   docker run --rm -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... crmconvert:dev worker
#
# The build stage runs scripts/build-static.sh, the same script that builds
# and checks the binary outside Docker; see the README ("Production
# deployment") for how this file is checked where no Docker engine runs.

# The Go version of the toolchain go.mod is built and tested with. The build
# runs on the builder's own platform and cross-compiles for the target one.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
ENV GOTOOLCHAIN=local
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH bash scripts/build-static.sh /out/crmconvert

# distroless/static: CA certificates, tzdata, /etc/passwd with the nonroot
# user (65532), no shell and no package manager. Debian 13 based; pin a digest
# (static-debian13:nonroot@sha256:...) where builds must be reproducible.
FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /out/crmconvert /crmconvert
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/crmconvert"]
CMD ["api"]
