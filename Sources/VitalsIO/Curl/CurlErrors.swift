import CCurl
import Foundation

/// Turns libcurl's error code and error-buffer text into the short messages users read
/// (`connection refused`, `TLS: unable to get local issuer certificate`).
package enum CurlErrors {
    package static func classify(code: Int32, osErrno: Int32, message: String) -> CurlFailure {
        switch UInt32(code) {
        case CURLE_OPERATION_TIMEDOUT.rawValue:
            return .timeout
        case CURLE_COULDNT_RESOLVE_HOST.rawValue:
            return .couldNotResolveHost
        case CURLE_COULDNT_CONNECT.rawValue:
            switch osErrno {
            case ECONNREFUSED: return .connectionRefused
            case EHOSTUNREACH: return .other("host unreachable")
            case ENETUNREACH: return .other("network unreachable")
            case ETIMEDOUT: return .timeout
            // Reset during the TLS handshake (libcurl 7.88 reports it as a connect failure).
            case ECONNRESET: return message.contains("SSL") ? .tls("connection reset by peer") : .other("connection reset by peer")
            default: return .other("could not connect")
            }
        case CURLE_ABORTED_BY_CALLBACK.rawValue:
            return .cancelled
        case CURLE_PEER_FAILED_VERIFICATION.rawValue, CURLE_SSL_CONNECT_ERROR.rawValue, CURLE_SSL_CERTPROBLEM.rawValue,
            CURLE_SSL_CIPHER.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue, CURLE_SSL_ISSUER_ERROR.rawValue,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH.rawValue, CURLE_SSL_INVALIDCERTSTATUS.rawValue, CURLE_SSL_CLIENTCERT.rawValue,
            CURLE_SSL_ENGINE_NOTFOUND.rawValue, CURLE_SSL_ENGINE_SETFAILED.rawValue, CURLE_SSL_CRL_BADFILE.rawValue:
            let reason = tlsReason(message)
            if reason.contains("certificate has expired") { return .certificateExpired }
            // `Send failure: Connection reset by peer`, `Recv failure: ...`: the peer hung up mid-handshake.
            if osErrno == ECONNRESET || reason.hasSuffix("Connection reset by peer") { return .tls("connection reset by peer") }
            return .tls(reason)
        case CURLE_USE_SSL_FAILED.rawValue:
            // TLS was required (an SMTP login is never sent in clear) and the server offered no STARTTLS.
            return .tls("the server does not offer STARTTLS")
        case CURLE_GOT_NOTHING.rawValue:
            return .other("empty reply from server")
        case CURLE_TOO_MANY_REDIRECTS.rawValue:
            return .other("too many redirects")
        case CURLE_RECV_ERROR.rawValue where osErrno == ECONNRESET, CURLE_SEND_ERROR.rawValue where osErrno == ECONNRESET:
            return .other("connection reset by peer")
        default:
            let text = clean(message)
            if !text.isEmpty { return .other(lowercasedFirst(text)) }
            return .other(String(cString: curl_easy_strerror(CURLcode(rawValue: UInt32(code)))).lowercased())
        }
    }

    /// OpenSSL's reason without libcurl's and OpenSSL's prefixes:
    /// `SSL certificate problem: unable to get local issuer certificate` → `unable to get local issuer certificate`;
    /// `OpenSSL/3.0.2: error:0A000412:SSL routines::sslv3 alert bad certificate` → `sslv3 alert bad certificate`.
    package static func tlsReason(_ message: String) -> String {
        var text = clean(message)
        for prefix in ["SSL certificate problem: ", "SSL: "] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
        }
        if text.hasPrefix("OpenSSL/"), let colon = text.firstIndex(of: ":") {
            text = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        // error:0A000412:SSL routines::reason  or  error:0A000412:SSL routines:func:reason
        if text.hasPrefix("error:") {
            let parts = text.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            if parts.count == 5 { text = String(parts[4]) }
        }
        return text.isEmpty ? "handshake failed" : text
    }

    /// One line, no trailing punctuation or whitespace.
    package static func clean(_ message: String) -> String {
        let line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.trimmingCharacters(in: .whitespaces)
    }

    private static func lowercasedFirst(_ s: String) -> String {
        guard let first = s.first, first.isUppercase, s.dropFirst().first?.isLowercase ?? true else { return s }
        return first.lowercased() + s.dropFirst()
    }
}
