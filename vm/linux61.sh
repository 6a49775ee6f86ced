#!/usr/bin/env bash
# Debian 12's Linux 6.1 (linux-image-amd64) under vm/kernel.sh: vm/linux61.sh SCRIPT OUTDIR [KERNEL_ARG...],
# or vm/linux61.sh prepare.
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = prepare ]; then
	exec "$here/kernel.sh" prepare linux-image-amd64
fi
exec "$here/kernel.sh" linux-image-amd64 "$@"
