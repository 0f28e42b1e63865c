# Dockerfile — forecastd in two stages, both FROM debian:bookworm-slim.
#
# build:   the -dev packages, a Release build with CMake, then the unit and API
#          tests through ctest (a broken build never becomes an image).
# runtime: the binary, web/, config/ and the NFLX sample plus the four runtime
#          libraries; no compiler, no curl. It runs as the unprivileged user
#          `forecastd` with the database on a volume at /var/lib/forecastd,
#          listens on 0.0.0.0:8080 and is configured by FORECASTD_* variables
#          over /etc/forecastd/forecastd.json. The binary is PID 1: it catches
#          SIGTERM itself (a self-pipe; it starts no child processes, so there
#          is nothing for an init such as tini to reap) and exits 0 after a clean
#          shutdown, so `docker stop` returns at once with status 0.
# schema/ is not copied: the migrations are compiled into the binary.

FROM debian:bookworm-slim AS build
# The label lets tests/container/run.sh prune stale build-stage images.
LABEL org.forecastd.stage=build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libopenblas-dev libmicrohttpd-dev \
        libcjson-dev libsqlite3-dev python3 python3-jsonschema \
        libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFC_BUILD_BENCH=OFF \
        -DFC_WERROR=ON >/dev/null \
 && cmake --build build -j"$(nproc)" -- --no-print-directory >/dev/null
# Every test runs here: the unit tests, and the API tests against the real
# binary on 127.0.0.1 (loopback exists in any build sandbox).
RUN cd build && ctest --output-on-failure -j"$(nproc)"
# The image's settings file: the repository's defaults with the two values a
# container needs, so the file and the environment below tell the same story.
RUN python3 -c 'import json; c = json.load(open("config/forecastd.json")); \
c.update(bind="0.0.0.0", db="/var/lib/forecastd/forecastd.db", \
web_dir="/usr/share/forecastd/web"); \
print(json.dumps(c, indent=2), file=open("/tmp/forecastd.json", "w"))'

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libopenblas0-pthread libmicrohttpd12 libcjson1 libsqlite3-0 \
        libpq5 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10001 --user-group --no-create-home \
        --home-dir /var/lib/forecastd --shell /usr/sbin/nologin forecastd \
 && mkdir -p /var/lib/forecastd \
 && chown forecastd:forecastd /var/lib/forecastd
COPY --from=build /src/build/forecastd /usr/local/bin/forecastd
COPY --from=build /tmp/forecastd.json /etc/forecastd/forecastd.json
COPY web/ /usr/share/forecastd/web/
COPY data/ /usr/share/forecastd/data/

ENV FORECASTD_CONFIG=/etc/forecastd/forecastd.json \
    FORECASTD_BIND=0.0.0.0 \
    FORECASTD_PORT=8080 \
    FORECASTD_DB=/var/lib/forecastd/forecastd.db \
    FORECASTD_WEB_DIR=/usr/share/forecastd/web
VOLUME ["/var/lib/forecastd"]
WORKDIR /usr/share/forecastd
USER forecastd:forecastd
EXPOSE 8080
# bash's /dev/tcp instead of curl (not in the slim image; it would add ~10 MB).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${FORECASTD_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ \"$code\" = 200 ]"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/forecastd"]
CMD ["serve"]
