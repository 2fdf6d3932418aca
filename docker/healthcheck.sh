#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /ready over bash's own /dev/tcp, so a check costs one small bash
# process rather than a cold-started Deno. /ready is 200 while serving, 503 while draining.
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-3000}" || exit 1
printf 'GET /ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 2 _ status _ <&3 || exit 1
[ "$status" = "200" ]
