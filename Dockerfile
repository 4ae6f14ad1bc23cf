# Parley in a container: a static binary (modernc SQLite needs no cgo) on
# distroless, run as a non-root user, data in /data.
#
#   docker build --build-arg VERSION=1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) -t parley .
#   docker run -p 8080:8080 -v parley-data:/data -e PARLEY_BASE_URL=https://comments.example parley
#
# See docs/operations.md, Containers, for what was and was not tested.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/parley ./cmd/parley \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parley /usr/local/bin/parley
# The volume's mount point belongs to the nonroot user (65532), so a new
# named volume does too; the database and its key are created there 0600.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV PARLEY_ADDR=0.0.0.0:8080 \
    PARLEY_DB=/data/parley.db
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/usr/local/bin/parley", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/parley"]
CMD ["serve"]
