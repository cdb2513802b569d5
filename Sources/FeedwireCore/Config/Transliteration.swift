/// Letters that lose nothing useful when written in ASCII, for names made
/// from titles (`ConfigUnits.slug`). Ukrainian follows the national
/// transliteration (Cabinet of Ministers resolution 55, 2010) in its
/// word-internal form; Russian, Belarusian and Bulgarian letters that
/// Ukrainian lacks, Greek (ELOT 743) and the Latin letters without a
/// canonical decomposition complete it. Keys are lower-case scalars.
enum Transliteration {
    static let latin: [UInt32: String] = {
        var t: [UInt32: String] = [:]
        let cyrillic: [(Character, String)] = [
            ("а", "a"), ("б", "b"), ("в", "v"), ("г", "h"), ("ґ", "g"), ("д", "d"), ("е", "e"), ("є", "ie"),
            ("ж", "zh"), ("з", "z"), ("и", "y"), ("і", "i"), ("ї", "i"), ("й", "i"), ("к", "k"), ("л", "l"),
            ("м", "m"), ("н", "n"), ("о", "o"), ("п", "p"), ("р", "r"), ("с", "s"), ("т", "t"), ("у", "u"),
            ("ф", "f"), ("х", "kh"), ("ц", "ts"), ("ч", "ch"), ("ш", "sh"), ("щ", "shch"), ("ь", ""), ("ю", "iu"),
            ("я", "ia"), ("ё", "e"), ("ы", "y"), ("э", "e"), ("ъ", ""), ("ў", "u"), ("ђ", "dj"), ("ј", "j"),
            ("љ", "lj"), ("њ", "nj"), ("ћ", "c"), ("џ", "dz"), ("ѓ", "g"), ("ќ", "k"), ("ѕ", "dz"),
        ]
        let greek: [(Character, String)] = [
            ("α", "a"), ("β", "v"), ("γ", "g"), ("δ", "d"), ("ε", "e"), ("ζ", "z"), ("η", "i"), ("θ", "th"),
            ("ι", "i"), ("κ", "k"), ("λ", "l"), ("μ", "m"), ("ν", "n"), ("ξ", "x"), ("ο", "o"), ("π", "p"),
            ("ρ", "r"), ("σ", "s"), ("ς", "s"), ("τ", "t"), ("υ", "y"), ("φ", "f"), ("χ", "ch"), ("ψ", "ps"),
            ("ω", "o"),
        ]
        let latin: [(Character, String)] = [
            ("ł", "l"), ("ø", "o"), ("đ", "d"), ("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ı", "i"), ("þ", "th"),
            ("ð", "d"), ("ħ", "h"),
        ]
        for (c, s) in cyrillic + greek + latin {
            t[c.unicodeScalars.first!.value] = s
        }
        return t
    }()
}
