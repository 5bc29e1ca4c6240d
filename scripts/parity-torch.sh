#!/bin/sh
# npm run parity:torch [-- options]: scripts/torch_parity.py under $PYTHON, or else under the first of
# python3, /usr/bin/python3 and python that can import torch. With --seq2seq first (npm run
# parity:seq2seq): scripts/seq2seq_parity.py, the encoder-decoder's.
if [ -z "$PYTHON" ]; then
  for py in python3 /usr/bin/python3 python; do
    if "$py" -c 'import torch' 2>/dev/null; then PYTHON=$py && break; fi
  done
fi
script=torch_parity.py
if [ "$1" = "--seq2seq" ]; then script=seq2seq_parity.py && shift; fi
exec "${PYTHON:?found no Python with torch (tried python3, /usr/bin/python3, python): set PYTHON=/path/to/python}" "$(dirname "$0")/$script" "$@"
