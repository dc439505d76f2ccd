import Templater
import TestSupport
import Testing

@Suite struct ByteIOTests {
    @Test func inputRefillKeepsTheUnconsumedWindow() throws {
        let input = ByteInput(bytes: Array("hello world".utf8), name: "<test>")
        input.consume(6)
        #expect(Array(input.window) == Array("world".utf8))
        #expect(input.offset == 6)
        #expect(try input.refill() == false)
    }
}
