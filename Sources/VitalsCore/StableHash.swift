/// A hash of a name that is the same on every replica and every run (Swift's `hashValue` is
/// seeded per process): FNV-1a, then splitmix64's finalizer so that names differing only in a
/// trailing digit (`api-1`, `api-2`) land far apart.
public enum StableHash {
    public static func of(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return finalize(h)
    }

    /// Two hashes made one, as well spread as either (rendezvous weights: a member's and a
    /// component's hash, without hashing their concatenated names for every pair).
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(a ^ (b &* 0x9e37_79b9_7f4a_7c15))
    }

    /// splitmix64's finalizer: every input bit flips about half the output bits.
    static func finalize(_ x: UInt64) -> UInt64 {
        var h = x
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}
