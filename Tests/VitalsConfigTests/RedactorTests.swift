import Testing
import VitalsConfig

/// The one redaction rule every output uses (probe messages, alert errors and `/alerts`, logs,
/// `check`, validation errors).
struct RedactorTests {
    @Test func aLongSecretGoesWhereverItAppears() {
        let r = Redactor(["hunter2-long"])
        #expect(r.scrub("auth hunter2-long failed; xhunter2-longx") == "auth <redacted> failed; x<redacted>x")
    }

    /// Under four characters a secret goes where it stands alone, never out of the middle of a word.
    @Test func aShortSecretGoesWhereItStandsAlone() {
        let r = Redactor(["q7z", "x"])
        #expect(r.scrub("token q7z, expected x") == "token <redacted>, expected <redacted>")
        #expect(r.scrub("aq7zb exact") == "aq7zb exact")
        #expect(r.scrub("Bearer q7z") == "Bearer <redacted>")
        #expect(r.scrub(#"{"auth":"q7z"}"#) == #"{"auth":"<redacted>"}"#)
    }

    @Test func theLongestGoesFirstAndEmptyIsNoSecret() {
        let r = Redactor(["abcd", "abcdefgh", ""])
        #expect(r.secrets == ["abcdefgh", "abcd"])
        #expect(r.scrub("abcdefgh abcd") == "<redacted> <redacted>")
        #expect(Redactor([""]).scrub("text") == "text")
    }

    @Test func urlUserinfoAndDSNPasswords() {
        #expect(Redactor.userinfoPassword(of: "https://u:p%40ss@host/x") == ["p%40ss", "p@ss"])
        #expect(Redactor.userinfoPassword(of: "https://u:p@ss@host/x") == ["p@ss"])
        #expect(Redactor.userinfoPassword(of: "https://u@host/x").isEmpty)
        #expect(Redactor.userinfoPassword(of: "https://host/a:b@c").isEmpty)
        #expect(Redactor.dsnPasswords(of: "postgres://app:pw1@db/x?sslmode=disable") == ["pw1"])
        // A keyword in a URI's query ends at the next parameter.
        #expect(Redactor.dsnPasswords(of: "postgres://app@db/x?password=abc&sslmode=disable") == ["abc"])
        #expect(Redactor.dsnPasswords(of: "host=db password='a b' user=x") == ["a b"])
    }
}
