# Test image for scripts/container/systemd-check.sh: systemd as PID 1 plus the pausenet install
# from the application image, so configs/pausenet.service runs under a real systemd.
ARG BASE
ARG APP
FROM ${APP} AS app
FROM ${BASE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends systemd systemd-sysv \
  && rm -rf /var/lib/apt/lists/*
COPY --from=app /opt/pausenet /opt/pausenet
RUN ln -s /opt/pausenet/bin/pausenet /usr/local/bin/pausenet && pausenet --version
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
