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
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}
