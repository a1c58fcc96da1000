import Foundation
import Testing
@testable import VitalsConfig

/// `include:` globs relative to the including file, errors located in the included file.
struct IncludeTests {
    @Test func globsResolveAgainstTheIncludingFilesFolderAndSortByPath() throws {
        let dir = try ConfigFolder()
        try dir.write("probes/b.yaml", "components:\n  - { name: b, type: memory }\n")
        try dir.write("probes/a.yaml", "components:\n  - { name: a, type: memory }\n")
        try dir.write("probes/notes.txt", "not yaml: [")
        try dir.write("probes/sub/c.yaml", "components:\n  - { name: c, type: memory }\n")
        let main = try dir.write("config/main.yaml", "include: [\"../probes/*.yaml\"]\n")
        let c = try ConfigLoader.load(file: main, environment: [:])
        #expect(c.components.map(\.name) == ["a", "b"])
    }

    @Test func nestedIncludesAreRelativeToTheirOwnFileAndExecRunsThere() throws {
        let dir = try ConfigFolder()
        try dir.write("a/one.yaml", "include: [\"../b/*.yaml\"]\ncomponents:\n  - { name: one, type: memory }\n")
        try dir.write("b/two.yaml", "components:\n  - name: two\n    type: exec\n    command: [./plugin]\n")
        let main = try dir.write("main.yaml", "include: \"a/one.yaml\"\n")
        let c = try ConfigLoader.load(file: main, environment: [:])
        #expect(c.components.map(\.name) == ["one", "two"])
        guard case .exec(let e) = c.components[1].probe else { Issue.record("not exec"); return }
        #expect(e.command == ["./plugin"])
        #expect(e.workingDirectory == dir.url.appendingPathComponent("b").standardized.path)
    }

    @Test func overlappingGlobsReadAFileOnce() throws {
        let dir = try ConfigFolder()
        try dir.write("p/a.yaml", "components:\n  - { name: a, type: memory }\n")
        let main = try dir.write("main.yaml", "include: [\"p/*.yaml\", p/a.yaml]\n")
        #expect(try ConfigLoader.load(file: main, environment: [:]).components.map(\.name) == ["a"])
    }

    @Test func aGlobThatMatchesNothingIsAnError() throws {
        let dir = try ConfigFolder()
        let main = try dir.write("main.yaml", "include: [\"none/*.yaml\"]\n")
        #expect(loadErrors(main).map(\.description) == ["\(main):1:11: include[0]: no file matches none/*.yaml"])
    }

    @Test func errorsInsideAnIncludedFileNameThatFileLineAndColumn() throws {
        let dir = try ConfigFolder()
        let inc = try dir.write("probes/bad.yaml", "components:\n  - name: x\n    type: disk\n  - name: y\n    type: memory\n    interval: 5\n")
        let main = try dir.write("main.yaml", "include: [\"probes/*.yaml\"]\n")
        let found = loadErrors(main)
        #expect(found.map(\.location.file).allSatisfy { ConfigParser.canonical($0) == ConfigParser.canonical(inc) })
        #expect(found.map { "\($0.location.line):\($0.location.column): \($0.path): \($0.message)" } == [
            "2:5: components[x]: missing required key path",
            #"6:15: components[y].interval: expected a duration with a unit such as 250ms, 2s, 5m, 1h or 7d, got "5""#,
        ])
    }

    @Test func anIncludedFileHoldsOnlyComponentsAndIncludes() throws {
        let dir = try ConfigFolder()
        try dir.write("inc.yaml", "server: {}\ncomponent: []\n")
        let main = try dir.write("main.yaml", "include: [inc.yaml]\n")
        let messages = loadErrors(main).map { "\($0.location.line):\($0.location.column): \($0.path): \($0.message)" }
        #expect(messages == [
            "1:1: server: unknown key (an included file holds only components and include; server goes in the main config)",
            "2:1: component: unknown key (did you mean components?)",
        ])
    }

    @Test func aByteOrderMarkIsAccepted() throws {
        let dir = try ConfigFolder()
        try dir.write("inc.yaml", "\u{FEFF}components:\n  - { name: b, type: memory }\n")
        let main = try dir.write("main.yaml", "\u{FEFF}include: [inc.yaml]\ncomponents:\n  - { name: a, type: memory }\n")
        #expect(try ConfigLoader.load(file: main, environment: [:]).components.map(\.name) == ["a", "b"])
    }

    /// `include: /etc/shadow` by mistake or by malice: one error, and nothing of the file.
    @Test func aFileThatIsNotAConfigIsNamedButNeverQuoted() throws {
        let dir = try ConfigFolder()
        let hash = "$6$rounds=5000$s3cr3tsalt$Qk1hYXNo"
        try dir.write("shadow", "root:\(hash):20228:0:99999:7:::\nvitals:!:20263::::::\n")
        try dir.write("binary.yaml", "components:\u{0}\u{1}\u{2}\n")
        let main = try dir.write("main.yaml", "include: [shadow, binary.yaml]\n")
        let messages = loadErrors(main).map { "\($0.location.line):\($0.location.column): \($0.path): \($0.message)" }
        #expect(messages == [
            "1:11: include[0]: \(dir.url.appendingPathComponent("shadow").standardized.path) is not a Vitals file: no top-level key is components or include",
            "1:19: include[1]: \(dir.url.appendingPathComponent("binary.yaml").standardized.path): not a text file, so not a config file",
        ])
        #expect(!loadErrors(main).description.contains("s3cr3t"))
        // As the main config, the same.
        let asMain = loadErrors(dir.url.appendingPathComponent("shadow").path)
        #expect(asMain.count == 1)
        #expect(!asMain.description.contains("s3cr3t") && !asMain.description.contains("root"))
        // A YAML mapping with one unknown key that is not like a key: not quoted either.
        try dir.write("mixed.yaml", "components: []\n\"root:\(hash)\": 1\n")
        let mixed = loadErrors(try dir.write("main2.yaml", "include: [mixed.yaml]\n"))
        #expect(mixed.map(\.message) == ["unknown key (not shown: it is not like any config key; is this a Vitals config file?)"])
        #expect(!mixed.description.contains("s3cr3t"))
    }

    /// Writes 16 MiB and a thousand files: on a thread of its own, so that the cooperative
    /// pool (two threads on two cores) stays free for the tests that run beside it.
    @Test func includedFilesAreCappedInSizeAndCount() async throws {
        let dir = try ConfigFolder()
        let (big, many) = try await offThePool { () throws -> ([String], [String]) in
            let big = dir.url.appendingPathComponent("big.yaml")
            FileManager.default.createFile(atPath: big.path, contents: Data(repeating: UInt8(ascii: "#"), count: ConfigFile.maxBytes + 1))
            let main = try dir.write("main.yaml", "include: [big.yaml]\n")
            try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("many"), withIntermediateDirectories: true)
            for i in 0...ConfigFile.maxIncluded {
                FileManager.default.createFile(atPath: dir.url.appendingPathComponent("many/\(i).yaml").path, contents: Data("components: []\n".utf8))
            }
            let many = try dir.write("many.yaml", "include: [\"many/*.yaml\"]\n")
            return (loadErrors(main).map(\.message), loadErrors(many).map(\.message))
        }
        #expect(big == ["\(dir.url.appendingPathComponent("big.yaml").standardized.path): the file is 16 MiB, over the 16 MiB a config file may be"])
        #expect(many == ["more than 1000 files included in all; include fewer, larger files"])
    }

    @Test func cyclesAreErrors() throws {
        let dir = try ConfigFolder()
        try dir.write("a.yaml", "include: [b.yaml]\n")
        try dir.write("b.yaml", "include: [a.yaml]\n")
        let main = try dir.write("main.yaml", "include: [a.yaml]\n")
        let found = loadErrors(main)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("include cycle: ") == true)
        #expect(found.first?.message.hasSuffix("a.yaml -> " + ConfigParser.display(dir.path + "/b.yaml") + " -> " + ConfigParser.display(dir.path + "/a.yaml")) == true)
        #expect(found.first.map { ConfigParser.canonical($0.location.file) } == dir.path + "/b.yaml")
    }

    @Test func includingItselfIsACycle() throws {
        let dir = try ConfigFolder()
        let main = try dir.write("main.yaml", "include: [\"*.yaml\"]\n")
        #expect(loadErrors(main).map(\.message) == ["include cycle: \(ConfigParser.display(main)) -> \(ConfigParser.display(main))"])
    }

    @Test func duplicateNamesAcrossFilesNameTheFirstDeclaration() throws {
        let dir = try ConfigFolder()
        let inc = try dir.write("inc.yaml", "components:\n  - name: a\n    type: memory\n")
        let main = try dir.write("main.yaml", "include: [inc.yaml]\ncomponents:\n  - name: a\n    type: memory\n")
        let found = loadErrors(main)
        #expect(found.count == 1)
        #expect(found.first.map { ConfigParser.canonical($0.location.file) } == ConfigParser.canonical(inc))
        #expect(found.first?.location.line == 2 && found.first?.location.column == 11)
        #expect(found.first?.path == "components[a].name")
        #expect(found.first?.message == "duplicate component name (first declared at \(main):3:5)")
    }

    @Test func aFolderWithGlobCharactersIsNotAPattern() throws {
        let dir = try ConfigFolder()
        try dir.write("odd[1]/p/a.yaml", "components:\n  - { name: a, type: memory }\n")
        let main = try dir.write("odd[1]/main.yaml", "include: [\"p/*.yaml\"]\n")
        #expect(try ConfigLoader.load(file: main, environment: [:]).components.map(\.name) == ["a"])
    }
}
