import CCurl
import Foundation
import VitalsConfig

/// One easy handle and the buffers libcurl's callbacks fill.
///
/// Created, driven and destroyed on the engine thread only (`CurlEngine.run`): it never crosses
/// threads, so it needs no locking and is not `Sendable`. libcurl's callbacks reach it through
/// an unretained pointer; the engine's table of live transfers keeps it alive until the handle
/// has been removed from the multi handle and cleaned up.
package final class CurlTransfer {
    package let id: UInt64
    package let handle: UnsafeMutableRawPointer
    package let request: CurlRequest
    package var continuation: CheckedContinuation<CurlEngine.Completion, Never>?

    private(set) var body: [UInt8] = []
    private(set) var truncated = false
    private(set) var headers: [CurlHeader] = []
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private var recipientList: UnsafeMutablePointer<curl_slist>?
    /// How much of the mail message libcurl has read (SMTP uploads).
    private var uploaded = 0
    /// A mail server's last reply line.
    private var serverReply: String?

    package init?(id: UInt64, request: CurlRequest, continuation: CheckedContinuation<CurlEngine.Completion, Never>) {
        guard let handle = curl_easy_init() else { return nil }
        self.id = id
        self.handle = handle
        self.request = request
        self.continuation = continuation
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        curl_slist_free_all(recipientList)
        errorBuffer.deallocate()
    }

    /// Sets every option; returns the first failing code (an option this libcurl lacks, a bad
    /// URL is only found at transfer time).
    package func configure(timeoutMS: Int) -> CURLcode {
        let h = handle
        let r = request
        var codes: [CURLcode] = []
        func long(_ o: CURLoption, _ v: Int) { codes.append(vitals_curl_setopt_long(h, o, v)) }
        func string(_ o: CURLoption, _ v: String) { codes.append(vitals_curl_setopt_string(h, o, v)) }

        string(CURLOPT_URL, r.url)
        // Signals are process-wide; libcurl must not use SIGALRM for DNS timeouts in a threaded process.
        long(CURLOPT_NOSIGNAL, 1)
        long(CURLOPT_TIMEOUT_MS, timeoutMS)
        long(CURLOPT_CONNECTTIMEOUT_MS, timeoutMS)
        codes.append(vitals_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        if r.freshConnection {
            long(CURLOPT_FRESH_CONNECT, 1)
            // A connect-only handle keeps its connection for `send`/`recv`; closed on release.
            if !r.connectOnly { long(CURLOPT_FORBID_REUSE, 1) }
        }
        // Only web protocols (mail ones for a mail submission), also on redirects: a
        // `Location: file:///etc/passwd` goes nowhere.
        string(CURLOPT_PROTOCOLS_STR, r.mail == nil ? "http,https" : "smtp,smtps")
        string(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        if r.connectOnly {
            long(CURLOPT_CONNECT_ONLY, 1)
        } else {
            let me = Unmanaged.passUnretained(self).toOpaque()
            codes.append(vitals_curl_setopt_write_function(h) { data, size, count, user in
                Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().received(data, size * count)
            })
            codes.append(vitals_curl_setopt_pointer(h, CURLOPT_WRITEDATA, me))
            codes.append(vitals_curl_setopt_header_function(h) { data, size, count, user in
                Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().receivedHeader(data, size * count)
            })
            codes.append(vitals_curl_setopt_pointer(h, CURLOPT_HEADERDATA, me))
        }
        if let mail = r.mail, !r.connectOnly {
            configureMail(mail, &codes)
        } else if !r.connectOnly {
            long(CURLOPT_FOLLOWLOCATION, r.followRedirects ? 1 : 0)
            long(CURLOPT_MAXREDIRS, r.maxRedirects)
            configureMethod(&codes)
            var list: UnsafeMutablePointer<curl_slist>? = nil
            for header in r.headers {
                list = curl_slist_append(list, "\(header.name): \(header.value)")
            }
            // libcurl waits up to a second for `100 Continue` before sending a large body.
            if r.body != nil { list = curl_slist_append(list, "Expect:") }
            headerList = list
            if let list { codes.append(vitals_curl_setopt_slist(h, CURLOPT_HTTPHEADER, list)) }
            if !r.headers.contains(where: { $0.name.caseInsensitiveCompare("User-Agent") == .orderedSame }) {
                string(CURLOPT_USERAGENT, r.userAgent)
            }
        }
        if !r.connectTo.isEmpty {
            for entry in r.connectTo { connectToList = curl_slist_append(connectToList, entry) }
            codes.append(vitals_curl_setopt_slist(h, CURLOPT_CONNECT_TO, connectToList))
        }
        switch r.httpVersion {
        case .http2PriorKnowledge: long(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
        case .http2OverTLS: long(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        case nil: break
        }
        if r.wantCertInfo { long(CURLOPT_CERTINFO, 1) }
        if let ca = r.tls.caFile { string(CURLOPT_CAINFO, ca) }
        if let cert = r.tls.clientCertFile { string(CURLOPT_SSLCERT, cert) }
        if let key = r.tls.clientKeyFile { string(CURLOPT_SSLKEY, key) }
        if r.tls.insecureSkipVerify {
            long(CURLOPT_SSL_VERIFYPEER, 0)
            long(CURLOPT_SSL_VERIFYHOST, 0)
        }
        return codes.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    /// An SMTP submission: the envelope, the login, TLS (required or when offered), and the
    /// message uploaded from `request.body` through `sent(_:_:)`. libcurl does the SMTP
    /// dot-stuffing and the final `.`; the message already has CRLF line ends.
    private func configureMail(_ mail: CurlMail, _ codes: inout [CURLcode]) {
        let h = handle
        codes.append(vitals_curl_setopt_string(h, CURLOPT_MAIL_FROM, "<\(mail.from)>"))
        for rcpt in mail.recipients { recipientList = curl_slist_append(recipientList, "<\(rcpt)>") }
        codes.append(vitals_curl_setopt_slist(h, CURLOPT_MAIL_RCPT, recipientList))
        let tls = mail.requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY
        codes.append(vitals_curl_setopt_long(h, CURLOPT_USE_SSL, Int(tls.rawValue)))
        if let user = mail.username { codes.append(vitals_curl_setopt_string(h, CURLOPT_USERNAME, user)) }
        if let password = mail.password { codes.append(vitals_curl_setopt_string(h, CURLOPT_PASSWORD, password)) }
        codes.append(vitals_curl_setopt_long(h, CURLOPT_UPLOAD, 1))
        codes.append(vitals_curl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body?.count ?? 0)))
        codes.append(vitals_curl_setopt_read_function(h) { data, size, count, user in
            Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue().sent(data, size * count)
        })
        codes.append(vitals_curl_setopt_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(self).toOpaque()))
    }

    /// Hands libcurl the next bytes of the mail message; 0 at the end.
    private func sent(_ buffer: UnsafeMutablePointer<CChar>?, _ room: Int) -> Int {
        guard let buffer, let body = request.body, uploaded < body.count else { return 0 }
        let n = min(room, body.count - uploaded)
        body.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + uploaded, byteCount: n)
        }
        uploaded += n
        return n
    }

    private func configureMethod(_ codes: inout [CURLcode]) {
        let h = handle
        let method = request.method.uppercased()
        if method == "HEAD" {
            codes.append(vitals_curl_setopt_long(h, CURLOPT_NOBODY, 1))
            return
        }
        if let body = request.body {
            // Size first: COPYPOSTFIELDS copies exactly that many bytes (the body may hold NULs).
            codes.append(vitals_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            if body.isEmpty {
                codes.append(vitals_curl_setopt_string(h, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                codes.append(body.withUnsafeBytes { vitals_curl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) })
            }
            if method != "POST" { codes.append(vitals_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method)) }
        } else if method == "POST" {
            codes.append(vitals_curl_setopt_long(h, CURLOPT_POST, 1))
            codes.append(vitals_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, 0))
        } else if method != "GET" {
            codes.append(vitals_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method))
        }
    }

    /// Keeps up to the cap; past it, stops the transfer: returning less than was offered makes
    /// libcurl end with `CURLE_WRITE_ERROR`, which `response` turns back into success.
    private func received(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return count }
        let room = max(0, request.maxBodyBytes - body.count)
        let take = min(room, count)
        if take > 0 {
            data.withMemoryRebound(to: UInt8.self, capacity: take) { body.append(contentsOf: UnsafeBufferPointer(start: $0, count: take)) }
        }
        if take < count {
            truncated = true
            return 0
        }
        return count
    }

    /// One header line as libcurl hands it over (with its CRLF). Parsed on bytes: this runs for
    /// every header of every probe, and Foundation's `trimmingCharacters` here cost more CPU than
    /// the rest of a probe's Swift code together.
    private func receivedHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return count }
        if request.mail != nil {
            // A mail server's replies come through here, one line each: keep the last, short.
            data.withMemoryRebound(to: UInt8.self, capacity: count) { start in
                let line = HeaderLine.trimmed(UnsafeBufferPointer(start: start, count: min(count, 512)))
                serverReply = String(decoding: line, as: UTF8.self)
            }
            return count
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { start in
            let line = HeaderLine.trimmed(UnsafeBufferPointer(start: start, count: count))
            if line.starts(with: HeaderLine.statusPrefix) {
                headers.removeAll()  // a new response in a redirect chain (or after 100 Continue)
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), headers.count < 200 {
                headers.append(CurlHeader(
                    String(decoding: HeaderLine.trimmed(line[..<colon]), as: UTF8.self),
                    String(decoding: HeaderLine.trimmed(line[(colon + 1)...]), as: UTF8.self)))
            }
        }
        return count
    }

    /// Reads what libcurl measured once the transfer ended with `code`.
    package func response(code: CURLcode) -> CurlResponse {
        let h = handle
        var r = CurlResponse()
        var value = 0
        if vitals_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &value) == CURLE_OK { r.statusCode = value }
        if vitals_curl_getinfo_long(h, CURLINFO_HTTP_VERSION, &value) == CURLE_OK {
            switch value {
            case CURL_HTTP_VERSION_1_0: r.httpVersion = "1.0"
            case CURL_HTTP_VERSION_1_1: r.httpVersion = "1.1"
            case CURL_HTTP_VERSION_2_0: r.httpVersion = "2"
            case CURL_HTTP_VERSION_3: r.httpVersion = "3"
            default: r.httpVersion = nil
            }
        }
        if vitals_curl_getinfo_long(h, CURLINFO_REDIRECT_COUNT, &value) == CURLE_OK { r.redirectCount = value }
        if vitals_curl_getinfo_long(h, CURLINFO_OS_ERRNO, &value) == CURLE_OK { r.osErrno = Int32(truncatingIfNeeded: value) }
        func time(_ info: CURLINFO) -> Duration {
            var us: curl_off_t = 0
            _ = vitals_curl_getinfo_off(h, info, &us)
            return .microseconds(us)
        }
        r.timings.nameLookup = time(CURLINFO_NAMELOOKUP_TIME_T)
        r.timings.connect = time(CURLINFO_CONNECT_TIME_T)
        r.timings.appConnect = time(CURLINFO_APPCONNECT_TIME_T)
        r.timings.preTransfer = time(CURLINFO_PRETRANSFER_TIME_T)
        r.timings.startTransfer = time(CURLINFO_STARTTRANSFER_TIME_T)
        r.timings.total = time(CURLINFO_TOTAL_TIME_T)
        r.timings.redirect = time(CURLINFO_REDIRECT_TIME_T)
        if request.wantCertInfo { r.certificateNotAfter = leafNotAfter() }
        r.body = body
        r.bodyTruncated = truncated
        r.headers = headers
        r.serverReply = serverReply.map { String($0.prefix(200)) }
        var code = code
        if code == CURLE_WRITE_ERROR && truncated { code = CURLE_OK }
        r.curlCode = Int32(code.rawValue)
        if code != CURLE_OK {
            let text = String(cString: errorBuffer)
            r.errorMessage = text.isEmpty ? String(cString: curl_easy_strerror(code)) : CurlErrors.clean(text)
        }
        return r
    }

    /// The `Expire date:` line of certificate 0 (the leaf) in `CURLINFO_CERTINFO`.
    private func leafNotAfter() -> Date? {
        var info: UnsafeMutablePointer<curl_certinfo>? = nil
        guard vitals_curl_getinfo_certinfo(handle, &info) == CURLE_OK, let info, info.pointee.num_of_certs > 0,
            var item = info.pointee.certinfo?[0]
        else { return nil }
        while true {
            if let data = item.pointee.data {
                let line = String(cString: data)
                if line.hasPrefix("Expire date:") { return CertificateDate.parse(String(line.dropFirst("Expire date:".count))) }
            }
            guard let next = item.pointee.next else { return nil }
            item = next
        }
    }
}

/// Byte-level pieces of a response header line.
package enum HeaderLine {
    package static let statusPrefix = Array("HTTP/".utf8)

    /// Without leading and trailing spaces, tabs, CR and LF.
    package static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        trimmed(bytes[...])
    }

    package static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper, blank(bytes[lower]) { lower += 1 }
        while upper > lower, blank(bytes[upper - 1]) { upper -= 1 }
        return bytes[lower..<upper]
    }
}

/// OpenSSL prints certificate times as `Jan  1 00:00:00 2030 GMT` (`ASN1_TIME_print`).
package enum CertificateDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    package static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 4, let month = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
            let year = Int(parts[3])
        else { return nil }
        let hms = parts[2].split(separator: ":").compactMap { Double($0) }
        guard hms.count == 3 else { return nil }
        var tm = tm()
        tm.tm_year = Int32(year - 1900)
        tm.tm_mon = Int32(month)
        tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hms[0])
        tm.tm_min = Int32(hms[1])
        tm.tm_sec = Int32(hms[2])
        let seconds = timegm(&tm)
        guard seconds != -1 || year == 1969 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds) + hms[2].truncatingRemainder(dividingBy: 1))
    }
}
