/// Plausible Chinese place and person names for the synthetic city, from a fixed seed.
public struct DemoNames: Sendable {
    private let seed: UInt64
    private let townPairs: [(Character, Character)]

    private static let firsts = Array("东西南北新大小梅桥鹅赤城公陶海碣甲博金碧湖沙平联河溪田埔上下龙凤石竹林青红黄白长安和兴隆福宁永丰华盛德仁松柏桃李杏兰")
    private static let seconds = Array("山岭湖港坑洋塘湾头岗田溪园围寨圩林源洲坪坝桥湖墩埠塘浦岙屿")
    private static let countyNames = ["海城区", "丰安县", "鹿溪县", "河田县", "碣石县", "梅陇县", "龙山县", "凤岭县"]
    private static let surnames = Array("陈林黄李张王吴刘蔡郑杨许叶彭钟庄罗曾谢邱余何周徐朱胡郭马卓颜苏赖")
    private static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海燕鹏辉宇婷")

    public init(seed: UInt64) {
        self.seed = seed
        townPairs = Self.shuffledPairs(seed: seed)
    }

    private static func shuffledPairs(seed: UInt64) -> [(Character, Character)] {
        var random = SeededGenerator(seed: seed)
        return firsts.flatMap { first in seconds.compactMap { $0 == first ? nil : (first, $0) } }.shuffled(using: &random)
    }

    func county(_ index: Int) -> String {
        index < Self.countyNames.count ? Self.countyNames[index] : "第\(index + 1)县"
    }

    /// Streets (街道) in the urban district, towns (镇) elsewhere; unique in the city.
    func town(_ index: Int, street: Bool) -> String {
        let pair = townPairs[index % townPairs.count]
        return "\(pair.0)\(pair.1)" + (street ? "街道" : "镇")
    }

    /// Communities (社区) and villages (村); unique in their town.
    func village(townCode: String, index: Int, community: Bool) -> String {
        let pairs = Self.shuffledPairs(seed: seed ^ (UInt64(townCode) ?? 0))
        let pair = pairs[index % pairs.count]
        return "\(pair.0)\(pair.1)" + (community ? "社区" : "村")
    }

    /// A person's name, the same for the same number every time.
    public func person(_ number: Int) -> String {
        let surname = Self.surnames[Int(SeededGenerator.unit(number, 1, seed) * Double(Self.surnames.count))]
        let first = Self.givenNames[Int(SeededGenerator.unit(number, 2, seed) * Double(Self.givenNames.count))]
        guard SeededGenerator.unit(number, 3, seed) < 0.6 else { return "\(surname)\(first)" }
        let second = Self.givenNames[Int(SeededGenerator.unit(number, 4, seed) * Double(Self.givenNames.count))]
        return "\(surname)\(first)\(second)"
    }
}
