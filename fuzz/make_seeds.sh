#!/bin/sh
# Regenerate the seed corpora in fuzz/corpus/ (certificates made with
# openssl, so the fuzzers mutate real DER). Run from fuzz/: sh make_seeds.sh
# The replay test (tests/fuzz_corpus.rs) runs whatever is in corpus/.
set -e
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
cd "$P"
openssl ecparam -name prime256v1 -genkey -noout -out root.key
openssl req -x509 -new -key root.key -subj "/O=Fuzz Trust/CN=Fuzz Root CA" -days 7300 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
openssl ecparam -name prime256v1 -genkey -noout -out int.key
openssl req -new -key int.key -subj "/O=Fuzz Trust/CN=Fuzz Intermediate CA" -out int.csr
printf "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nauthorityInfoAccess=caIssuers;URI:http://ca.example/root.der\nnameConstraints=critical,permitted;DNS:.example.com\n" > int.ext
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile int.ext -out int.pem
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key
openssl req -new -key leaf.key -subj "/CN=www.example.com" -out leaf.csr
printf "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.com,DNS:*.example.com,IP:127.0.0.1,IP:::1\nauthorityKeyIdentifier=keyid\n" > leaf.ext
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 90 -extfile leaf.ext -out leaf.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout ss.key -subj "/CN=localhost" -days 30 \
  -addext "subjectAltName=DNS:localhost" -out selfsigned.pem
for f in root int leaf selfsigned; do openssl x509 -in $f.pem -outform der -out $f.der; done
cd - >/dev/null
PKI="$P" python3 - <<'EOF'
import os, struct, time
P = os.environ["PKI"] + "/"
der = {n: open(P + n + ".der", "rb").read() for n in ["root", "int", "leaf", "selfsigned"]}
pem = {n: open(P + n + ".pem", "rb").read() for n in ["root", "int", "leaf", "selfsigned"]}

def w(d, name, b):
    os.makedirs(f"corpus/{d}", exist_ok=True)
    open(f"corpus/{d}/{name}", "wb").write(b)

for i, t in enumerate(["api.openai.com", "localhost:8443", "[::1]:8443", "::1",
        "https://Example.COM:8001/mcp?x=1", "https://alice:hunter2@localhost:9/api?token=s&x=1#f",
        "bücher.example", "192.168.1.1:65535", "host:0", "host:99999", "http://example.com",
        "example.com:443:127.0.0.1", "h:1:[::1]", "xn--bcher-kva.example.", "https://[fe80::1%25eth0]/"]):
    w("target_parse", f"seed-{i:02}", t.encode())

w("chain_read", "leaf.pem", pem["leaf"])
w("chain_read", "chain.pem", pem["leaf"] + pem["int"] + pem["root"])
w("chain_read", "reversed-crlf-chatter.pem", b"Certificate chain\r\n 0 s:CN = x\r\n"
  + b"".join(b"   " + pem[n].replace(b"\n", b"\r\n") + b"text\r\n" for n in ["root", "int", "leaf"]))
w("chain_read", "chain.der", der["leaf"] + der["int"] + der["root"])
w("chain_read", "selfsigned.der", der["selfsigned"])
w("chain_read", "truncated.pem", pem["leaf"][:200])
w("chain_read", "key.pem", open(P + "leaf.key", "rb").read())
w("chain_read", "duplicate.pem", pem["leaf"] * 2 + pem["int"])

def pair(a, b): return struct.pack(">H", len(a)) + a + b
w("cert_facts", "leaf-int", pair(der["leaf"], der["int"]))
w("cert_facts", "int-root", pair(der["int"], der["root"]))
w("cert_facts", "root-root", pair(der["root"], der["root"]))
w("cert_facts", "selfsigned", pair(der["selfsigned"], b""))

heads = [b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost/mcp/\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 301 Moved\nlocation:   https://x/y  \n\n",
    b"HTTP/1.1 200 OK\r\nServer: x",
    b"garbage\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 130 + b"\r\n",
    b"SSH-2.0-OpenSSH_9.6\r\n"]
for i, h in enumerate(heads):
    w("http_head", f"seed-{i:02}", h)

# diagnose: the layout fuzz/src/lib.rs reads (see `diagnose` there).
def chunk(b): return struct.pack(">H", len(b)) + b
def diag(failure, flags, stores, at, target, certs, first, msg=b"", hops=(), stoptext=b"", stop=0):
    out = bytes([failure, flags, stores]) + struct.pack(">I", at - 1_500_000_000) + chunk(target)
    out += bytes([len(certs)]) + b"".join(chunk(c) for c in certs) + chunk(first) + chunk(msg)
    if flags & 2:
        out += bytes([len(hops)])
        for st, u, l in hops:
            out += struct.pack(">H", st) + chunk(u) + chunk(l)
        out += chunk(stoptext) + bytes([stop])
    return out
NOW = int(time.time()) + 86400  # inside the leaf's 90 days
LATER = NOW + 200 * 86400       # after them
full = [der["leaf"], der["int"], der["root"]]
w("diagnose", "clean-chain", diag(0, 1 | 2, 0b100100, NOW, b"www.example.com", full, b"\x16\x03\x03", hops=[(200, b"https://www.example.com/", b"")]))
w("diagnose", "untrusted", diag(0, 1, 0, NOW, b"www.example.com", full[:2], b"\x16\x03\x03"))
w("diagnose", "selfsigned", diag(0, 1, 0, NOW, b"localhost", [der["selfsigned"]], b"\x16"))
w("diagnose", "misordered", diag(0, 1 | 8, 0b001001, NOW, b"www.example.com", [der["root"], der["int"], der["leaf"]], b"\x16"))
w("diagnose", "expired", diag(0, 1, 0b100100, LATER, b"www.example.com", full, b"\x16"))
w("diagnose", "not-tls", diag(13, 0, 0, NOW, b"localhost:22", [], b"SSH-2.0-OpenSSH_9.6\r\n", b"invalid message"))
w("diagnose", "http-400", diag(13, 0, 0, NOW, b"localhost:80", [], b"HTTP/1.0 400 Bad Request\r\n\r\n", b"x"))
w("diagnose", "timeout", diag(8, 0, 0, NOW, b"example.com", [], b"", b"no complete TLS handshake"))
w("diagnose", "proxy-407", diag(16 | 0x80, 4, 0, NOW, b"example.com", [], b"", b"the proxy http://proxy:3128"))
w("diagnose", "redirect-loss", diag(0, 1 | 2 | 16 | 32, 0b100100, NOW, b"https://www.example.com:8001/mcp", full, b"\x16",
  hops=[(307, b"https://www.example.com:8001/mcp", b"http://www.example.com/mcp/")], stop=1))
w("diagnose", "http-failed", diag(0, 1 | 2, 0b100100, NOW, b"https://u:p@www.example.com/a?token=s", full, b"\x16",
  hops=[(0, b"https://www.example.com/a?token=s", b"")], stoptext=b"the response head is larger than 65536 bytes", stop=6))
w("diagnose", "alert", diag(11, 1 | 64 | 128, 0, NOW, b"10.0.0.1", [der["leaf"]], b"\x15\x03\x03\x00\x02\x02\x28", b"handshake_failure"))
EOF
