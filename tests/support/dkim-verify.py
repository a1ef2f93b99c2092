"""DKIM verification by dkimpy (Debian's python3-dkim), a verifier no one here
wrote. Reads one message on stdin; the selector's TXT record comes from argv
(name, value) instead of DNS. Prints one line, `pass` or `fail: <reason>`."""
import sys

import dkim

record_name, record_value = sys.argv[1], sys.argv[2]


def dns(name, timeout=5):
    if name.decode().rstrip(".") == record_name:
        return record_value.encode()
    return None


message = sys.stdin.buffer.read()
verifier = dkim.DKIM(message)
try:
    ok = verifier.verify(dnsfunc=dns)
except dkim.DKIMException as error:
    print(f"fail: {error}")
    sys.exit(0)
print("pass" if ok else "fail: signature did not verify")
