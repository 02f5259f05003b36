import COpenSSL
import XCTest
import TestSupport
@testable import HTTPServer
@testable import TLS
@testable import Threads

/// TLSContext against keys and certificates made by the real `openssl` CLI, and against real
/// clients (`openssl s_client`, `curl`) talking to a minimal server that uses the context.
final class TLSContextTests: XCTestCase {
    typealias Support = ServerPartsSupport
    var directory = ""

    override func setUpWithError() throws {
        directory = try Support.temporaryDirectory("tlsctx")
    }

    override func tearDown() {
        Support.remove(directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// A self-signed certificate for localhost / 127.0.0.1 over an existing key.
    func selfSigned(key: String, cert: String, cn: String = "localhost") throws {
        try Support.openssl(["req", "-x509", "-key", key, "-out", cert, "-days", "30", "-subj", "/CN=\(cn)",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], in: directory)
    }

    /// `openssl s_client` against `port`; returns (exit status, stdout + stderr).
    func sClient(_ port: UInt16, _ extra: [String]) throws -> (Int32, String) {
        let output = try Support.run("/usr/bin/env", ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + extra,
                                     currentDirectory: directory)
        return (output.status, output.stdout + output.stderr)
    }

    func testLoadsEveryKeyKind() throws {
        let kinds: [(name: String, command: [String], header: String)] = [
            ("rsa-pkcs1", ["genrsa", "-traditional", "-out", "rsa-pkcs1.key", "2048"], "BEGIN RSA PRIVATE KEY"),
            ("rsa-pkcs8", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa-pkcs8.key"], "BEGIN PRIVATE KEY"),
            ("ec-sec1", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-sec1.key"], "BEGIN EC PRIVATE KEY"),
            ("ec-pkcs8", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec-pkcs8.key"], "BEGIN PRIVATE KEY"),
            ("ec384-sec1", ["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec384-sec1.key"], "BEGIN EC PRIVATE KEY"),
        ]
        for kind in kinds {
            try Support.openssl(kind.command, in: directory)
            let keyText = String(decoding: try Support.read(path(kind.name + ".key")), as: UTF8.self)
            XCTAssertTrue(keyText.contains(kind.header), "\(kind.name) is really \(kind.header)")
            try selfSigned(key: kind.name + ".key", cert: kind.name + ".crt")
            let context = try TLSContext.load(TLSFiles(certificatePath: path(kind.name + ".crt"), keyPath: path(kind.name + ".key")))
            // the fingerprint is openssl's SHA-256 fingerprint of the same certificate
            let openssl = try Support.openssl(["x509", "-in", kind.name + ".crt", "-noout", "-fingerprint", "-sha256"], in: directory)
            let expected = openssl.stdout.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased() }?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(context.fingerprint, expected, kind.name)
            XCTAssertEqual(context.fingerprint.count, 64)
            XCTAssertEqual(context.chainLength, 1)
            XCTAssertFalse(context.verifiesClients)
            XCTAssertEqual(context.subject, "CN=localhost")
            // notAfter is 30 days ahead: compare with openssl's enddate year and ISO shape
            XCTAssertTrue(context.notAfter.hasSuffix("Z") && context.notAfter.count == 20, context.notAfter)
            let endDate = try Support.openssl(["x509", "-in", kind.name + ".crt", "-noout", "-enddate"], in: directory).stdout
            let year = String(context.notAfter.prefix(4))
            XCTAssertTrue(endDate.contains(" \(year) GMT"), "\(endDate) vs \(context.notAfter)")
        }
    }

    func testMismatchedPairFails() throws {
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "a.key"], in: directory)
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "b.key"], in: directory)
        try selfSigned(key: "a.key", cert: "a.crt")
        XCTAssertNoThrow(try TLSContext.load(TLSFiles(certificatePath: path("a.crt"), keyPath: path("a.key"))))
        XCTAssertThrowsError(try TLSContext.load(TLSFiles(certificatePath: path("a.crt"), keyPath: path("b.key")))) { error in
            XCTAssertTrue("\(error)".contains("does not match"), "\(error)")
        }
        // an RSA key with an EC certificate
        try Support.openssl(["genrsa", "-out", "r.key", "2048"], in: directory)
        XCTAssertThrowsError(try TLSContext.load(TLSFiles(certificatePath: path("a.crt"), keyPath: path("r.key"))))
    }

    func testGarbageEmptyTruncatedAndEncryptedFail() throws {
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "good.key"], in: directory)
        try selfSigned(key: "good.key", cert: "good.crt")
        let goodCert = try Support.read(path("good.crt"))
        let goodKey = try Support.read(path("good.key"))
        XCTAssertNoThrow(try TLSContext.load(certificatePEM: goodCert, keyPEM: goodKey, clientCAPEM: nil))

        func expectFailure(_ cert: [UInt8], _ key: [UInt8], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try TLSContext.load(certificatePEM: cert, keyPEM: key, clientCAPEM: nil), line: line) { error in
                XCTAssertTrue("\(error)".lowercased().contains(fragment.lowercased()), "\(error) lacks \(fragment)", line: line)
            }
        }
        expectFailure([], goodKey, "certificate: file is empty")
        expectFailure(goodCert, [], "private key: file is empty")
        expectFailure(Array("hello, not a certificate\n".utf8), goodKey, "no PEM certificate")
        expectFailure(goodCert, Array("garbage".utf8), "no PEM private key")
        // the key where the certificate should be, and the other way round
        expectFailure(goodKey, goodKey, "no PEM certificate")
        expectFailure(goodCert, goodCert, "no PEM private key")
        // a certificate cut in the middle (a half-written file)
        expectFailure(Array(goodCert.prefix(goodCert.count / 2)), goodKey, "malformed PEM certificate")
        // a complete leaf followed by a truncated second certificate must not load as a 1-cert chain
        expectFailure(goodCert + Array(goodCert.prefix(goodCert.count - 40)), goodKey, "malformed PEM certificate #2")
        // a corrupted base64 body
        var corrupted = goodCert
        corrupted[corrupted.count / 2] = UInt8(ascii: "!")
        expectFailure(corrupted, goodKey, "certificate")
        // binary noise
        var rng = ServerPartsSupport.SplitMix64(seed: 7)
        expectFailure((0..<3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, goodKey, "certificate")
        // an encrypted key fails without prompting on the terminal
        try Support.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:secret",
                             "-out", "encrypted.key"], in: directory)
        expectFailure(goodCert, try Support.read(path("encrypted.key")), "no PEM private key")
        // a DER certificate is not PEM
        try Support.openssl(["x509", "-in", "good.crt", "-outform", "DER", "-out", "good.der"], in: directory)
        expectFailure(try Support.read(path("good.der")), goodKey, "certificate")
        // empty client CA
        XCTAssertThrowsError(try TLSContext.load(certificatePEM: goodCert, keyPEM: goodKey, clientCAPEM: Array("x".utf8)))
    }

    func testFileErrors() throws {
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "good.key"], in: directory)
        try selfSigned(key: "good.key", cert: "good.crt")
        XCTAssertThrowsError(try TLSContext.load(TLSFiles(certificatePath: path("missing.crt"), keyPath: path("good.key")))) { error in
            XCTAssertTrue("\(error)".contains("missing.crt"), "\(error)")
        }
        XCTAssertThrowsError(try TLSContext.load(TLSFiles(certificatePath: directory, keyPath: path("good.key")))) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
        // over the 1 MiB cap: padding after a valid certificate
        let big = try Support.read(path("good.crt")) + Array(repeating: UInt8(ascii: "\n"), count: maxCredentialFileBytes)
        try Support.write(big, to: path("big.crt"))
        XCTAssertThrowsError(try TLSContext.load(TLSFiles(certificatePath: path("big.crt"), keyPath: path("good.key")))) { error in
            XCTAssertTrue("\(error)".contains("larger than"), "\(error)")
        }
        // through a symlink, as the kubelet lays out a mounted Secret
        try FileManager.default.createSymbolicLink(atPath: path("link.crt"), withDestinationPath: path("good.crt"))
        XCTAssertNoThrow(try TLSContext.load(TLSFiles(certificatePath: path("link.crt"), keyPath: path("good.key"))))
        XCTAssertEqual(TLSFiles(directory: "/certs").certificatePath, "/certs/tls.crt")
        XCTAssertEqual(TLSFiles(directory: "/certs/", keyName: "k.pem").keyPath, "/certs/k.pem")
    }

    /// root CA → intermediate CA → leaf; tls.crt holds leaf + intermediate. A client that trusts
    /// only the root verifies the server, which proves the intermediate is sent.
    func makeChain() throws {
        try Support.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key",
                             "-out", "root.crt", "-days", "30", "-subj", "/CN=Test Root",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
        try Support.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "inter.key",
                             "-out", "inter.csr", "-subj", "/CN=Test Intermediate"], in: directory)
        try Support.write(Array("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n".utf8), to: path("inter.ext"))
        try Support.openssl(["x509", "-req", "-in", "inter.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial",
                             "-out", "inter.crt", "-days", "30", "-extfile", "inter.ext"], in: directory)
        try Support.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=ignored-cn"], in: directory)
        try Support.write(Array("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".utf8), to: path("leaf.ext"))
        try Support.openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "inter.crt", "-CAkey", "inter.key", "-CAcreateserial",
                             "-out", "leaf.crt", "-days", "30", "-extfile", "leaf.ext"], in: directory)
        try Support.write(try Support.read(path("leaf.crt")) + Support.read(path("inter.crt")), to: path("tls.crt"))
    }

    func testChainLoadsAndIsServed() throws {
        try makeChain()
        let context = try TLSContext.load(TLSFiles(certificatePath: path("tls.crt"), keyPath: path("leaf.key")))
        XCTAssertEqual(context.chainLength, 2)
        XCTAssertEqual(context.subject, "CN=ignored-cn")
        let server = try Support.TinyTLSServer { context }
        defer { server.stop() }
        let (status, output) = try sClient(server.port, ["-CAfile", "root.crt", "-verify_return_error", "-showcerts"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("Verify return code: 0 (ok)"), output)
        XCTAssertEqual(output.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1, 2, "leaf and intermediate are sent")

        // the same leaf without its intermediate does not verify against the root: the chain matters
        let leafOnly = try TLSContext.load(TLSFiles(certificatePath: path("leaf.crt"), keyPath: path("leaf.key")))
        let server2 = try Support.TinyTLSServer { leafOnly }
        defer { server2.stop() }
        let (status2, output2) = try sClient(server2.port, ["-CAfile", "root.crt", "-verify_return_error"])
        XCTAssertNotEqual(status2, 0, output2)

        // curl, trusting only the root, over the chain
        let curl = try Support.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", path("root.crt"), "https://localhost:\(server.port)/"])
        XCTAssertEqual(curl.status, 0, curl.stderr)
        XCTAssertEqual(curl.stdout, "ok")
    }

    func testProtocolCipherGroupAndALPNSettings() throws {
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key"], in: directory)
        try selfSigned(key: "ec.key", cert: "ec.crt")
        let context = try TLSContext.load(TLSFiles(certificatePath: path("ec.crt"), keyPath: path("ec.key")))
        let server = try Support.TinyTLSServer { context }
        defer { server.stop() }
        let base = ["-CAfile", "ec.crt", "-verify_return_error"]

        var (status, output) = try sClient(server.port, base + ["-tls1_3", "-alpn", "http/1.1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("TLSv1.3"), output)
        XCTAssertTrue(output.contains("ALPN protocol: http/1.1"), output)
        XCTAssertTrue(output.contains("Compression: NONE"), output)
        XCTAssertFalse(output.contains("Post-Handshake New Session Ticket"), "no TLS 1.3 tickets: \(output)")

        (status, output) = try sClient(server.port, base + ["-tls1_2"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("ECDHE-ECDSA-AES"), output)
        XCTAssertFalse(output.contains("TLS session ticket:"), "no TLS 1.2 tickets: \(output)")

        // refused: TLS 1.1 and 1.0, non-AEAD / non-ECDHE TLS 1.2 ciphers, other groups, ALPN h2 only
        (status, output) = try sClient(server.port, base + ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(status, 0, output)
        (status, output) = try sClient(server.port, base + ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(status, 0, output)
        (status, output) = try sClient(server.port, base + ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"])
        XCTAssertNotEqual(status, 0, output)
        (status, output) = try sClient(server.port, base + ["-tls1_3", "-groups", "P-521"])
        XCTAssertNotEqual(status, 0, output)
        (status, output) = try sClient(server.port, base + ["-tls1_3", "-groups", "P-384"])
        XCTAssertEqual(status, 0, output)
        (status, output) = try sClient(server.port, base + ["-alpn", "h2"])
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(output.contains("no application protocol"), output)

        let records = server.connections
        XCTAssertEqual(records.map(\.handshakeOK), [true, true, false, false, false, false, true, false], "\(records)")
        // refused by the server, for the server's reasons (not a client-side policy)
        XCTAssertTrue(records[2].error.contains("unsupported protocol"), records[2].error)
        XCTAssertTrue(records[3].error.contains("unsupported protocol"), records[3].error)
        XCTAssertTrue(records[4].error.contains("no shared cipher"), records[4].error)
        XCTAssertTrue(records[5].error.contains("no suitable key share"), records[5].error)
        XCTAssertTrue(records[7].error.contains("no application protocol"), records[7].error)
        XCTAssertEqual(records.first?.alpn, "http/1.1")
        XCTAssertEqual(records.first?.protocolVersion, "TLSv1.3")
    }

    func testClientCertificateVerification() throws {
        try makeChain()
        // client CA and two client certificates: one it signed, one self-signed
        try Support.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "clientca.key",
                             "-out", "clientca.crt", "-days", "30", "-subj", "/CN=Client CA",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], in: directory)
        try Support.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "client.key",
                             "-out", "client.csr", "-subj", "/CN=kube-apiserver"], in: directory)
        try Support.write(Array("extendedKeyUsage=clientAuth\n".utf8), to: path("client.ext"))
        try Support.openssl(["x509", "-req", "-in", "client.csr", "-CA", "clientca.crt", "-CAkey", "clientca.key", "-CAcreateserial",
                             "-out", "client.crt", "-days", "30", "-extfile", "client.ext"], in: directory)
        try Support.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "rogue.key",
                             "-out", "rogue.crt", "-days", "30", "-subj", "/CN=rogue"], in: directory)

        let context = try TLSContext.load(TLSFiles(certificatePath: path("tls.crt"), keyPath: path("leaf.key"), clientCAPath: path("clientca.crt")))
        XCTAssertTrue(context.verifiesClients)
        let server = try Support.TinyTLSServer { context }
        defer { server.stop() }
        let base = ["-CAfile", "root.crt", "-verify_return_error"]
        for version in ["-tls1_2", "-tls1_3"] {
            _ = try sClient(server.port, base + [version])                                                  // no certificate
            _ = try sClient(server.port, base + [version, "-cert", "rogue.crt", "-key", "rogue.key"])        // wrong issuer
            let (status, output) = try sClient(server.port, base + [version, "-cert", "client.crt", "-key", "client.key"])
            XCTAssertEqual(status, 0, output)
            XCTAssertTrue(output.contains("Acceptable client certificate CA names") && output.contains("CN = Client CA"), output)
        }
        // the server side is the authority: only the CA-signed client got through
        let records = server.connections
        XCTAssertEqual(records.count, 6)
        XCTAssertEqual(records.map(\.handshakeOK), [false, false, true, false, false, true], "\(records)")
        XCTAssertTrue(records.filter(\.handshakeOK).allSatisfy(\.peerCertificate))

        // curl with and without the client certificate
        let withCert = try Support.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", path("root.crt"),
                                                        "--cert", path("client.crt"), "--key", path("client.key"), "https://localhost:\(server.port)/"])
        XCTAssertEqual(withCert.stdout, "ok", withCert.stderr)
        let without = try Support.run("/usr/bin/env", ["curl", "-sS", "--max-time", "10", "--cacert", path("root.crt"), "https://localhost:\(server.port)/"])
        XCTAssertNotEqual(without.stdout, "ok")
    }

    /// The settings that keep idle connections small and handshakes cheap, read back from the SSL_CTX.
    /// (Measured with these settings: about 14 KB of OpenSSL heap per idle server-side TLS 1.3
    /// connection; 47 KB without SSL_MODE_RELEASE_BUFFERS.)
    func testContextSettingsReadBack() throws {
        let paths = try DevelopmentCertificate.generate(hosts: ["localhost"], into: directory + "/dev")
        let context = try TLSContext.load(TLSFiles(certificatePath: paths.certPath, keyPath: paths.keyPath))
        let mode = SSL_CTX_ctrl(context.context, SSL_CTRL_MODE, 0, nil)
        XCTAssertNotEqual(mode & Int(SSL_MODE_RELEASE_BUFFERS), 0)
        XCTAssertEqual(SSL_CTX_ctrl(context.context, SSL_CTRL_GET_SESS_CACHE_MODE, 0, nil), Int(SSL_SESS_CACHE_OFF))
        XCTAssertEqual(SSL_CTX_get_num_tickets(context.context), 0)
        let options = SSL_CTX_get_options(context.context)
        for required in [shim_SSL_OP_NO_COMPRESSION(), shim_SSL_OP_NO_RENEGOTIATION(), shim_SSL_OP_NO_TICKET(), shim_SSL_OP_CIPHER_SERVER_PREFERENCE()] {
            XCTAssertNotEqual(options & required, 0)
        }
        XCTAssertEqual(SSL_CTX_ctrl(context.context, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, nil), Int(TLS1_2_VERSION))
        XCTAssertEqual(SSL_CTX_ctrl(context.context, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, nil), Int(TLS1_3_VERSION))
        XCTAssertEqual(SSL_CTX_get_verify_mode(context.context), SSL_VERIFY_NONE, "client certificates off by default")
    }

    func testCertificateCountLimit() throws {
        let paths = try DevelopmentCertificate.generate(hosts: ["localhost"], into: directory + "/dev")
        let chain = try Support.read(paths.certPath)       // leaf + CA
        let ca = try Support.read(paths.caPath)
        let key = try Support.read(paths.keyPath)
        let atLimit = chain + Array([[UInt8]](repeating: ca, count: TLSContext.maxCertificatesPerFile - 2).joined())
        XCTAssertEqual(try TLSContext.load(certificatePEM: atLimit, keyPEM: key, clientCAPEM: nil).chainLength, TLSContext.maxCertificatesPerFile)
        XCTAssertThrowsError(try TLSContext.load(certificatePEM: atLimit + ca, keyPEM: key, clientCAPEM: nil)) { error in
            XCTAssertTrue("\(error)".contains("more than \(TLSContext.maxCertificatesPerFile) certificates"), "\(error)")
        }
        XCTAssertThrowsError(try TLSContext.load(certificatePEM: chain, keyPEM: key, clientCAPEM: atLimit + ca))
    }

    func testContextOutlivesItsCreatorAndIsShareable() throws {
        try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key"], in: directory)
        try selfSigned(key: "ec.key", cert: "ec.crt")
        // many loads and frees: no crash, and each context is independent
        var fingerprints = Set<String>()
        for _ in 0..<50 {
            let context = try TLSContext.load(TLSFiles(certificatePath: path("ec.crt"), keyPath: path("ec.key")))
            fingerprints.insert(context.fingerprint)
        }
        XCTAssertEqual(fingerprints.count, 1)
    }
}
