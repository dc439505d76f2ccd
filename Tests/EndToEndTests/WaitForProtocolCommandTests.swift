import Foundation
import TestSupport
import Testing

/// `redis://`, `amqp://` and `?stable=N` through the `wait-for` binary: the exit codes, the log
/// lines and JSON objects, and the password kept out of all of them.
@Suite struct WaitForProtocolCommandTests {
    static let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]

    static func waitFor(_ arguments: [String]) throws -> ProcessResult {
        try run(Paths.binary("wait-for"), arguments, environment: environment)
    }

    @Test func aRefusedRedisPasswordExits69WithoutShowingIt() throws {
        let server = try StubServer(
            turn: .first,
            replies: [
                Array("-WRONGPASS invalid username-password pair or user is disabled.\r\n".utf8)
            ])
        defer { server.stop() }
        let result = try Self.waitFor(["-t", "5s", "redis://app:hunter2@\(server.address)/0"])
        #expect(result.status == .exited(69))
        #expect(
            result.err.contains(
                "wait-for: error: redis://\(server.address) is unavailable: \(server.address): Redis "
                    + "refused the password (WRONGPASS invalid username-password pair or user is "
                    + "disabled.): waiting cannot help"), "\(result.err)")
        #expect(!result.err.contains("hunter2") && !result.out.contains("hunter2"))
    }

    @Test func redisLoadingThenReadyRunsTheCommand() throws {
        let server = try StubServer(
            turn: .first,
            replies: [
                Array("-LOADING Redis is loading the dataset in memory\r\n".utf8),
                Array("+PONG\r\n".utf8),
            ])
        defer { server.stop() }
        let result = try Self.waitFor([
            "-t", "5s", "redis://\(server.address)", "--", "/bin/echo", "started",
        ])
        #expect(result.status == .exited(0))
        #expect(result.out == "started\n")
        #expect(
            result.err.contains(
                "redis://\(server.address) not ready: \(server.address): Redis is loading its dataset"
            ))
    }

    @Test func amqpReadyInJSONNamesTheBroker() throws {
        var table: [UInt8] = []
        for (name, value) in [("product", "RabbitMQ"), ("version", "3.10.8")] {
            table += [UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(ascii: "S")]
            table += [0, 0, 0, UInt8(value.utf8.count)] + Array(value.utf8)
        }
        var payload: [UInt8] = [0, 10, 0, 10, 0, 9, 0, 0, 0, UInt8(table.count)] + table
        payload += [0, 0, 0, 5] + Array("PLAIN".utf8) + [0, 0, 0, 5] + Array("en_US".utf8)
        let frame = [1, 0, 0, 0, 0, 0, UInt8(payload.count)] + payload + [0xCE]
        let server = try StubServer(turn: .first, replies: [frame])
        defer { server.stop() }
        let result = try Self.waitFor([
            "--log-format", "json", "-t", "5s", "amqp://guest:guest@\(server.address)/",
        ])
        #expect(result.status == .exited(0))
        let objects = result.err.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let ready = objects.first { $0["event"] as? String == "ready" }
        #expect(ready?["target"] as? String == "amqp://\(server.address)")
        #expect(ready?["reason"] as? String == "RabbitMQ 3.10.8")
        #expect(!result.err.contains("guest"))
    }

    @Test func onceWithStableExitsOneWhenAnAnswerInTheRunFails() throws {
        let server = try StubServer(httpStatuses: [200, 503])
        defer { server.stop() }
        let result = try Self.waitFor(["--once", "http://\(server.address)/?stable=2"])
        #expect(result.status == .exited(1))
        #expect(server.connectionsServed == 2)
        #expect(result.err.contains("HTTP 503"), "\(result.err)")
    }
}
