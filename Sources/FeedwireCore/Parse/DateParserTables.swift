/// Names `DateParser` recognises: zones and months.
extension DateParser {
    /// Zone names in minutes east of UTC: RFC 822 §5 (UT, GMT, EST … PDT, Z),
    /// and the European and other abbreviations news feeds use. Ambiguous
    /// ones (IST, CST as China time) keep their RFC 822 / most common meaning.
    static let namedZones: [String: Int] = [
        "z": 0, "ut": 0, "utc": 0, "gmt": 0, "wet": 0, "zulu": 0,
        "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
        "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600, "ast": -240, "adt": -180,
        "nst": -210, "ndt": -150,
        "bst": 60, "ist": 60, "west": 60, "cet": 60, "met": 60, "mez": 60, "cest": 120, "mest": 120, "mesz": 120,
        "eet": 120, "eest": 180, "msk": 180, "msd": 240, "sast": 120, "trt": 180,
        "jst": 540, "kst": 540, "hkt": 480, "sgt": 480, "awst": 480,
        "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    ]

    /// Month names and abbreviations, lower case, without a trailing dot:
    /// English, French, German, Spanish, Italian, Dutch, Portuguese,
    /// Ukrainian and Russian (nominative and genitive stems).
    static let monthNames: [String: Int] = {
        let lists: [[String]] = [
            // English
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
            ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december"],
            ["jan", "feb", "mar", "apr", "may", "june", "july", "aug", "sept", "oct", "nov", "dec"],
            // French (févr., déc., août; also without accents)
            ["janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"],
            ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"],
            ["janv", "fevr", "mars", "avr", "mai", "juin", "juil", "aout", "sept", "oct", "nov", "dec"],
            ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
             "novembre", "decembre"],
            // German
            ["jan", "feb", "mär", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"],
            ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "dezember"],
            ["jän", "feb", "mrz", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "dez"],
            // Spanish
            ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
            ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre"],
            // Italian
            ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
            ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
             "ottobre", "novembre", "dicembre"],
            // Dutch
            ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
            ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december"],
            // Portuguese
            ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
            ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro"],
            // Ukrainian (abbreviations; full names in the genitive, as dates use them)
            ["січ", "лют", "бер", "квіт", "трав", "черв", "лип", "серп", "вер", "жовт", "лист", "груд"],
            ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
             "листопада", "грудня"],
            // Russian
            ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
            ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря"],
        ]
        var map: [String: Int] = [:]
        for list in lists {
            for (i, name) in list.enumerated() where map[name] == nil { map[name] = i + 1 }
        }
        return map
    }()

    /// The month a word names: exactly, or by its first four or three
    /// letters for long forms the table does not spell out (`novembre`, `Sept.`).
    static func monthNumber(_ word: String) -> Int? {
        if let m = monthNames[word] { return m }
        let scalars = Array(word.unicodeScalars)
        guard scalars.count >= 4 else { return nil }
        for n in [4, 3] {
            var prefix = String.UnicodeScalarView()
            prefix.append(contentsOf: scalars[0..<n])
            if let m = monthNames[String(prefix)] { return m }
        }
        return nil
    }
}
