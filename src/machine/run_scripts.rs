//! The small programs `--run-clients` hands to interpreters (data, not
//! logic): each makes one request the way its client does, pinned to the
//! probe's address through that client's own resolver hook, and prints one
//! line `TLSDOCTOR {"outcome": …, "error": …}` that `run_clients` parses.
//!
//! They read no credentials and send none; they never disable verification.

/// Python's resolver hook, shared by [`PYTHON`] and [`PIP`]: when ADDR is
/// set, `socket.getaddrinfo` answers ADDR for HOST:PORT only.
macro_rules! python_pin_hook {
    () => {
        r#"if addr:
    _gai = socket.getaddrinfo
    def _pinned(h, p, *a, **k):
        name = h.decode("ascii", "replace") if isinstance(h, bytes) else h
        if name and name.lower().rstrip(".") == host and str(p) == str(port):
            h = addr
        return _gai(h, p, *a, **k)
    socket.getaddrinfo = _pinned
"#
    };
}

/// Python's ssl/urllib, requests and httpx. argv: LIB HOST PORT ADDR PATH
/// TIMEOUT_SECS; an empty ADDR means "resolve as usual" (proxy mode). The
/// hook patches `socket.getaddrinfo` for HOST:PORT only, before the library
/// is imported, so SNI and verification still use HOST.
pub const PYTHON: &str = concat!(
    r#"
import json, socket, ssl, sys
lib, host, port, addr, path, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6])
def out(outcome, error=None):
    sys.stdout.write("TLSDOCTOR " + json.dumps({"outcome": outcome, "error": error}) + "\n")
    sys.stdout.flush()
"#,
    python_pin_hook!(),
    r#"def causes(e):
    seen, stack = set(), [e]
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen or not isinstance(x, BaseException):
            continue
        seen.add(id(x))
        yield x
        stack.extend([x.__cause__, x.__context__, getattr(x, "reason", None)])
        stack.extend(a for a in getattr(x, "args", ()) if isinstance(a, BaseException))
netloc = ("[%s]" % host if ":" in host else host) + ":%d" % port
url = "https://" + netloc + path
try:
    if lib == "urllib":
        import urllib.error, urllib.request
        try:
            urllib.request.urlopen(url, timeout=timeout).close()
        except urllib.error.HTTPError:
            pass
    elif lib == "requests":
        import requests
        requests.get(url, timeout=timeout, allow_redirects=False).close()
    elif lib == "httpx":
        import httpx
        httpx.get(url, timeout=timeout, follow_redirects=False).close()
    out("trusts")
except ImportError as e:
    out("missing", str(e))
except BaseException as e:
    chain = list(causes(e))
    verify = [x for x in chain if isinstance(x, ssl.SSLCertVerificationError)]
    if verify:
        out("fails", str(verify[0]))
    elif any(isinstance(x, (socket.timeout, TimeoutError)) or "Timeout" in type(x).__name__ for x in chain):
        out("timeout", "%s: %s" % (type(e).__name__, e))
    else:
        out("error", "%s: %s" % (type(e).__name__, e))
"#
);

/// pip, run in-process through `runpy` after the same resolver hook. argv:
/// HOST PORT ADDR INDEX_URL TIMEOUT_SECS DEST. pip's own output is printed
/// as it is; `run_clients::classify_pip` reads it.
pub const PIP: &str = concat!(
    r#"
import runpy, socket, sys
host, port, addr, index, timeout, dest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
"#,
    python_pin_hook!(),
    r#"sys.argv = ["pip", "download", "--no-deps", "--no-cache-dir", "--no-input",
            "--disable-pip-version-check", "--retries", "0", "--timeout", timeout,
            "--index-url", index, "--dest", dest, "tlsdoctor-probe-no-such-package"]
try:
    runpy.run_module("pip", run_name="__main__", alter_sys=True)
except SystemExit as e:
    sys.stdout.flush()
    sys.stderr.write("TLSDOCTOR-PIP-EXIT %s\n" % (e.code,))
"#
);

/// Node's https client. argv: HOST PORT ADDR PATH TIMEOUT_MS; the address
/// is pinned through the request's `lookup` option.
pub const NODE: &str = r#"
const https = require("https");
const [host, port, addr, path, ms] = process.argv.slice(1);
const out = (outcome, error) => {
  process.stdout.write("TLSDOCTOR " + JSON.stringify({ outcome, error: error ?? null }) + "\n", () => process.exit(0));
};
const VERIFY = new Set(["UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_CRL", "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY", "CERT_SIGNATURE_FAILURE", "CERT_NOT_YET_VALID", "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD", "ERROR_IN_CERT_NOT_AFTER_FIELD", "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG", "CERT_REVOKED", "INVALID_CA", "PATH_LENGTH_EXCEEDED", "INVALID_PURPOSE",
  "CERT_UNTRUSTED", "CERT_REJECTED", "HOSTNAME_MISMATCH", "ERR_TLS_CERT_ALTNAME_INVALID",
  "EE_KEY_TOO_SMALL", "CA_KEY_TOO_SMALL", "CA_MD_TOO_WEAK"]);
// Node 24 reports OpenSSL's key-size verdicts with the code UNSPECIFIED.
const WEAK = /^(EE|CA) certificate key too weak$|^CA signature digest algorithm too weak$/;
const family = addr.includes(":") ? 6 : 4;
const options = { host, port: Number(port), path, method: "GET", agent: false, timeout: Number(ms) };
if (addr) {
  options.lookup = (name, opts, cb) => {
    if (opts && opts.all) cb(null, [{ address: addr, family }]);
    else cb(null, addr, family);
  };
}
const req = https.request(options, (res) => { res.resume(); out("trusts"); });
req.on("timeout", () => { out("timeout", "timed out after " + ms + " ms"); });
req.on("error", (e) => {
  const code = e && e.code ? String(e.code) : "";
  const line = (code ? code + ": " : "") + (e && e.message ? e.message : String(e));
  const weak = e && WEAK.test(String(e.message));
  out(VERIFY.has(code) || weak ? "fails" : "error", line);
});
req.end();
"#;

/// Java's `HttpsURLConnection` (single-file source launcher, JDK 11+). argv:
/// URL TIMEOUT_MS; the address is pinned by `-Djdk.net.hosts.file`.
pub const JAVA: &str = r#"
import java.net.*;
import java.security.cert.*;
import javax.net.ssl.*;

public class TlsdoctorProbe {
    static void out(String outcome, String error) {
        String e = error == null ? "null" : "\"" + error.replace("\\", "\\\\").replace("\"", "\\\"")
            .replaceAll("[\\x00-\\x1f]", " ") + "\"";
        System.out.println("TLSDOCTOR {\"outcome\": \"" + outcome + "\", \"error\": " + e + "}");
    }
    public static void main(String[] a) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL(a[0]).openConnection();
            int t = Integer.parseInt(a[1]);
            c.setConnectTimeout(t);
            c.setReadTimeout(t);
            c.setInstanceFollowRedirects(false);
            c.getResponseCode();
            out("trusts", null);
        } catch (SSLHandshakeException e) {
            boolean cert = false;
            for (Throwable x = e; x != null; x = x.getCause()) {
                if (x instanceof CertificateException || x instanceof CertPathValidatorException
                        || x instanceof CertPathBuilderException) cert = true;
            }
            out(cert ? "fails" : "error", String.valueOf(e.getMessage()));
        } catch (SocketTimeoutException e) {
            out("timeout", e.toString());
        } catch (Exception e) {
            out("error", e.toString());
        }
    }
}
"#;
