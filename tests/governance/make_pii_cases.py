#!/usr/bin/python3
"""Writes a labeled PII evaluation set for `souverain eval pii --labels FILE.jsonl`.

    /usr/bin/python3 tests/governance/make_pii_cases.py OUT.jsonl [--seed N]

One JSON object per line: {"text": "...", "entities": [{"type": "...", "text": "..."}]}.
Sentences in French, German, English and Luxembourgish carry values of every type in several
formats. Identifiers with check digits are computed here, independently of the C++ code
(Luhn, Verhoeff, ISO 7064 MOD 97-10 and MOD 11,10, the NIR key); every one also appears with
a wrong check digit, unlabeled, as must-not-detect negatives. Other negatives: dates without
a birth context, capitalised words without a title, numbers that look like identifiers.
"""
import json
import random
import sys

# --- check digits (independent implementations) ------------------------------------------


def luhn_digit(body):
    """The Luhn check digit to append to the digit string `body`."""
    total = 0
    for idx, ch in enumerate(reversed(body)):
        d = int(ch)
        if idx % 2 == 0:  # rightmost body digit is doubled
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number):
    return luhn_digit(number[:-1]) == number[-1]


def _d5(i, j):
    """Multiplication in the dihedral group D5 (elements 0-4 rotations, 5-9 reflections)."""
    if i < 5 and j < 5:
        return (i + j) % 5
    if i < 5 <= j:
        return 5 + (j - 5 + i) % 5
    if i >= 5 > j:
        return 5 + (i - 5 - j) % 5
    return (i - j) % 5


VERHOEFF_P = [list(range(10)), [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
for _ in range(6):
    VERHOEFF_P.append([VERHOEFF_P[1][x] for x in VERHOEFF_P[-1]])


def verhoeff_digit(body):
    check = 0
    for idx, ch in enumerate(reversed(body)):
        check = _d5(check, VERHOEFF_P[(idx + 1) % 8][int(ch)])
    for inv in range(10):
        if _d5(check, inv) == 0:
            return str(inv)
    raise AssertionError("no inverse")


def iban_check(country, bban):
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return "%02d" % (98 - number % 97)


def iban_ok(iban):
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def mod11_10_digit(body):
    product = 10
    for ch in body:
        s = (int(ch) + product) % 10
        s = 10 if s == 0 else s
        product = (s * 2) % 11
    return str((11 - product) % 10)


def nir_key(thirteen):
    number = int(thirteen.replace("2A", "19").replace("2B", "18"))
    return "%02d" % (97 - number % 97)


# --- value generators: (valid text, invalid text) ----------------------------------------

R = random.Random(0)


def digits(n, first="0123456789"):
    return R.choice(first) + "".join(R.choice("0123456789") for _ in range(n - 1))


def wrong_digit(d):
    return str((int(d) + R.randint(1, 9)) % 10)


def group(s, sizes, sep=" "):
    out, at = [], 0
    for size in sizes:
        out.append(s[at:at + size])
        at += size
    return sep.join(out)


IBAN_FORMATS = {"LU": (3, 13, "d", "a"), "FR": (10, 13, "d", "d"), "DE": (8, 10, "d", "d"),
                "BE": (3, 9, "d", "d"), "NL": (4, 10, "A", "d"), "AT": (5, 11, "d", "d"),
                "CH": (5, 12, "d", "d"), "ES": (8, 12, "d", "d"), "IT": (1, 22, "A", "d"),
                "GB": (4, 14, "A", "d")}


def make_iban():
    country = R.choice(list(IBAN_FORMATS))
    n1, n2, kind1, kind2 = IBAN_FORMATS[country]
    if country == "IT":
        bban = R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(22)
    else:
        part1 = ("".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n1))
                 if kind1 == "A" else digits(n1))
        bban = part1 + digits(n2)
    iban = country + iban_check(country, bban) + bban
    assert iban_ok(iban)
    pos = R.randrange(4, len(iban))
    while not iban[pos].isdigit():
        pos = R.randrange(4, len(iban))
    bad = iban[:pos] + wrong_digit(iban[pos]) + iban[pos + 1:]
    assert not iban_ok(bad)
    grouped = R.random() < 0.6

    def show(s):
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if grouped else s
    return show(iban), show(bad)


def make_card():
    kind = R.choice(["visa", "mc", "amex", "visa"])
    if kind == "amex":
        body = R.choice(["34", "37"]) + digits(12)
    elif kind == "mc":
        body = str(R.randint(51, 55)) + digits(13)
    else:
        body = "4" + digits(14)
    number = body + luhn_digit(body)
    bad = body + wrong_digit(number[-1])
    assert luhn_ok(number) and not luhn_ok(bad)
    style = R.choice(["space", "plain", "dash", "space"])
    sizes = [4, 6, 5] if len(number) == 15 else [4, 4, 4, 4]
    if style == "plain":
        return number, bad
    sep = " " if style == "space" else "-"
    return group(number, sizes, sep), group(bad, sizes, sep)


def random_birth_date():
    year = R.randint(1930, 2015)
    month = R.randint(1, 12)
    day = R.randint(1, 28)
    return year, month, day


def make_lu_id():
    year, month, day = random_birth_date()
    body = "%04d%02d%02d%s" % (year, month, day, digits(3))
    number = body + luhn_digit(body) + verhoeff_digit(body)
    if R.random() < 0.5:
        bad = body + wrong_digit(number[11]) + number[12]  # wrong Luhn digit
    else:
        bad = body + number[11] + wrong_digit(number[12])  # wrong Verhoeff digit
    if R.random() < 0.3:
        return group(number, [4, 4, 3, 2]), group(bad, [4, 4, 3, 2])
    return number, bad


def make_fr_nir():
    sex = R.choice("12")
    year = "%02d" % R.randint(0, 99)
    month = "%02d" % R.randint(1, 12)
    dept = R.choice(["75", "13", "69", "57", "67", "2A", "2B", "33", "59", "54"])
    commune = "%03d" % R.randint(1, 999)
    order = "%03d" % R.randint(1, 999)
    thirteen = sex + year + month + dept + commune + order
    key = nir_key(thirteen)
    bad_key = "%02d" % ((int(key) + R.randint(1, 90)) % 97 + 1)
    if bad_key == key:
        bad_key = "%02d" % (int(key) % 97 + 1)
    fields = [sex, year, month, dept, commune, order]
    if R.random() < 0.5:
        return " ".join(fields + [key]), " ".join(fields + [bad_key])
    return thirteen + key, thirteen + bad_key


def make_de_tax_id():
    while True:
        digits_used = R.sample("0123456789", 9)
        if digits_used[0] == "0":
            continue
        repeated = R.choice(digits_used)
        body = digits_used[:]
        body.insert(R.randrange(1, 10), repeated)
        body = "".join(body)
        if body[0] == "0":
            continue
        break
    number = body + mod11_10_digit(body)
    bad = body + wrong_digit(number[-1])
    if R.random() < 0.4:
        return group(number, [2, 3, 3, 3]), group(bad, [2, 3, 3, 3])
    return number, bad


def make_phone():
    style = R.randrange(18)
    d = lambda n: digits(n)  # noqa: E731
    if style == 0:
        return "+352 621 %s %s" % (d(3), d(3))
    if style == 1:
        return "+352 26 %s %s %s" % (d(2), d(2), d(2))
    if style == 2:
        return "00352 26 %s %s %s" % (d(2), d(2), d(2))
    if style == 3:
        return "691 %s %s" % (d(3), d(3))
    if style == 4:
        return "26 %s %s %s" % (d(2), d(2), d(2))
    if style == 5:
        return "+33 6 %s %s %s %s" % (d(2), d(2), d(2), d(2))
    if style == 6:
        return "06 %s %s %s %s" % (d(2), d(2), d(2), d(2))
    if style == 7:
        return "01.%s.%s.%s.%s" % (d(2), d(2), d(2), d(2))
    if style == 8:
        return "+49 30 " + d(7)
    if style == 9:
        return "030 " + d(7)
    if style == 10:
        return "+49 (0)89 " + d(6)
    if style == 11:
        return "0151 " + d(8)
    if style == 12:
        return "030/" + d(7)
    if style == 13:
        return "+32 470 %s %s %s" % (d(2), d(2), d(2))
    if style == 14:
        return "0470 %s %s %s" % (d(2), d(2), d(2))
    if style == 15:
        return "+32 2 %s %s %s" % (d(3), d(2), d(2))
    if style == 16:
        return "02 %s %s %s" % (d(3), d(2), d(2))
    return "+336" + d(8)


def make_email():
    first = R.choice(["jean", "marie", "anne", "paul", "lea", "tom", "sophie", "jurgen"])
    last = R.choice(["schmit", "weber", "muller", "dupont", "hoffmann", "wagner", "reuter"])
    domain = R.choice(["example.lu", "etat.lu", "post.lu", "gouv.fr", "example.de",
                       "mail.example.be", "uni.lu", "ccss.lu"])
    local = R.choice(["%s.%s" % (first, last), "%s%s" % (first[0], last),
                      "%s_%s%d" % (first, last, R.randint(1, 99)), "%s+rh" % first,
                      "%s-%s" % (first, last)])
    return "%s@%s" % (local, domain)


def make_ip():
    style = R.randrange(5)
    if style <= 1:
        return ".".join(str(R.randint(1, 254)) for _ in range(4))
    if style == 2:
        return "2001:db8::%x" % R.randint(1, 0xffff)
    if style == 3:
        return "fe80::%x:%x:%x:%x" % tuple(R.randint(1, 0xffff) for _ in range(4))
    return ":".join("%04x" % R.randint(0, 0xffff) for _ in range(8))


MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "lb": ["Januar", "Februar", "Mäerz", "Abrëll", "Mee", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
}


def make_date(lang):
    year, month, day = random_birth_date()
    style = R.randrange(4)
    if style == 0:
        return "%02d/%02d/%04d" % (day, month, year)
    if style == 1:
        return "%d.%d.%04d" % (day, month, year)
    if style == 2:
        return "%04d-%02d-%02d" % (year, month, day)
    name = MONTHS[lang][month - 1]
    if lang == "fr":
        return "%s %s %d" % ("1er" if day == 1 else str(day), name, year)
    if lang in ("de", "lb"):
        return "%d. %s %d" % (day, name, year)
    return R.choice(["%d %s %d" % (day, name, year), "%s %d, %d" % (name, day, year)])


FIRST = ["Jean", "Marie", "Anne-Marie", "Jérôme", "Zoé", "Jürgen", "Björn", "Léa", "Gaston",
         "Pol", "Josée", "Fernand", "Chloé", "Klaus", "Ingrid", "Mathis"]
LAST = ["Schmit", "Weber", "Hoffmann", "Wagner", "Reuter", "Thill", "Kieffer", "Dupont",
        "Lefèvre", "Bénard", "Müller", "Schröder", "Groß", "Da Silva", "Meyer-Lambert",
        "O'Neill", "DUPONT", "Ferreira", "Łukasz"]


def make_name():
    style = R.randrange(3)
    last = R.choice(LAST)
    if " " in last and style == 2:
        style = 1  # at most three name words
    if style == 0:
        return last
    if style == 1:
        return "%s %s" % (R.choice(FIRST), last)
    return "%s %s %s" % (R.choice(FIRST), R.choice(["Paul", "Marie", "Josef"]), last)


# --- sentences --------------------------------------------------------------------------

TEMPLATES = {
    "EMAIL": {
        "fr": ["Merci d'écrire à {} avant vendredi.", "Contact : {}.", "Son adresse est {}, merci."],
        "de": ["Bitte schreiben Sie an {} bis Freitag.", "E-Mail: {}"],
        "en": ["Please reply to {} by Monday.", "Contact ({}) for details."],
        "lb": ["Schéckt w.e.g. eng Mail un {}.", "Meng Adress ass {}."],
    },
    "PHONE": {
        "fr": ["Appelez le {} pour un rendez-vous.", "Tél. : {}", "Joignable au {} en journée."],
        "de": ["Telefon: {} (werktags).", "Rufen Sie uns unter {} an."],
        "en": ["Call {} during office hours.", "Phone: {}."],
        "lb": ["Rufft w.e.g. op {} un.", "Tel.: {} – merci!"],
    },
    "IBAN": {
        "fr": ["Virement sur le compte {} avant la fin du mois.", "IBAN : {}"],
        "de": ["Bitte überweisen Sie auf {}.", "Kontoverbindung: IBAN {}, BIC BCEELULL."],
        "en": ["Pay to IBAN {} by Friday.", "Account: {}."],
        "lb": ["Iwwerweisung op de Kont {}.", "Mäi Kont: {}"],
    },
    "PAYMENT_CARD": {
        "fr": ["Carte bancaire n° {} expirant en 09/27.", "Payé avec la carte {}."],
        "de": ["Kreditkarte {} wurde belastet.", "Kartennummer: {}"],
        "en": ["Card number {} was charged.", "Charged to card {}, exp. 11/26."],
        "lb": ["Kaart {} gouf refuséiert.", "Mat der Kaart {} bezuelt."],
    },
    "IP_ADDRESS": {
        "fr": ["Connexion depuis l'adresse {} refusée.", "Adresse IP : {}."],
        "de": ["Zugriff von {} blockiert.", "Die IP-Adresse {} ist gesperrt."],
        "en": ["Login from {} at 10:42:17 failed.", "Client address: {}"],
        "lb": ["Verbindung vun {} refuséiert.", "IP: {}"],
    },
    "LU_NATIONAL_ID": {
        "fr": ["Matricule : {}", "Numéro d'identification national {} (CCSS)."],
        "de": ["Sozialversicherungsnummer {} bitte angeben.", "Matrikel: {}."],
        "en": ["National ID number {} on file.", "ID: {}"],
        "lb": ["Meng Matricule ass {}.", "Sozialversécherungsnummer: {}"],
    },
    "FR_NIR": {
        "fr": ["Numéro de sécurité sociale : {}.", "NIR {} enregistré par la CPAM."],
        "de": ["Französische Sozialversicherungsnummer: {}"],
        "en": ["French social security number {} on record."],
        "lb": ["Franséisch Sozialversécherungsnummer: {}."],
    },
    "DE_TAX_ID": {
        "fr": ["Numéro fiscal allemand : {}."],
        "de": ["Steuer-IdNr.: {}", "Ihre steuerliche Identifikationsnummer lautet {}."],
        "en": ["German tax ID {} was provided."],
        "lb": ["Däitsch Steiernummer: {}"],
    },
}

BIRTH_TEMPLATES = {
    "fr": ["Il est né le {} à Esch-sur-Alzette.", "Elle est née le {}.",
           "Date de naissance : {}", "L'enfant, né(e) le {}, est inscrit."],
    "de": ["Er wurde geboren am {} in Trier.", "geb. {}, wohnhaft in Luxemburg.",
           "Geburtsdatum: {}"],
    "en": ["She was born on {} in Metz.", "Date of birth: {}", "DOB: {}"],
    "lb": ["Hien ass gebuer den {} zu Ettelbréck.", "Si ass gebuer de {}."],
}

PERSON_TEMPLATES = {
    "fr": [("Monsieur", "{} {} a déposé une demande."), ("Madame", "Bonjour {} {}, merci."),
           ("M.", "Le dossier de {} {} est complet."), ("Mme", "{} {} est absente.")],
    "de": [("Herr", "{} {} hat den Antrag gestellt."), ("Frau", "Sehr geehrte {} {},"),
           ("Frau", "{} Dr. {} ist heute nicht da.")],
    "en": [("Mr", "{} {} signed the form."), ("Mrs", "Dear {} {}, thank you."),
           ("Ms", "{} {} will call back.")],
    "lb": [("Här", "{} {} huet de Formulaire ausgefëllt."), ("Madamm", "Moien {} {}!")],
}

NEGATIVE_SENTENCES = [
    # dates without birth context
    ("fr", "La réunion du 12 mars 2024 est reportée au 03/04/2024."),
    ("de", "Der Termin am 03.04.2024 um 10:30 wurde verschoben."),
    ("en", "The deadline is 15 January 2025; the report is due 2025-02-01."),
    ("lb", "D'Versammlung ass den 12. Mäerz 2024."),
    # capitalised words without a title
    ("fr", "Le Conseil d'État et la Chambre des Députés ont voté."),
    ("de", "Die Stadt Luxemburg und das Ministerium für Digitalisierung informieren."),
    ("en", "The European Commission and the Court of Justice met in Luxembourg."),
    ("lb", "De Grand-Duc Henri huet d'Chamber besicht."),
    ("fr", "Madame la Ministre et Monsieur le Président ont signé."),
    # numbers that are not identifiers
    ("fr", "Le budget est de 1 234 567 euros pour 2024."),
    ("de", "Aktenzeichen 2024-118-3, Seite 12 von 45."),
    ("en", "Version 1.2.3 was released; build 20240312."),
    ("lb", "Et waren 12 345 Leit do, 3,5 % méi wéi 2023."),
    ("fr", "Réf. 9876543210123 du dossier."),
    ("en", "Order 12:30:45 and ratio 1:2."),
]


# Hand-written cases of realistic shapes, some beyond what the detectors cover (known gaps,
# kept so that the scores do not flatter them): (text, [(type, text), ...]).
HARD_CASES = [
    ("Monsieur Jean de la Fontaine a écrit.", [("PERSON", "Jean de la Fontaine")]),
    ("Frau Ursula von der Leyen hat unterschrieben.", [("PERSON", "Ursula von der Leyen")]),
    ("Monsieur de Villepin est arrivé.", [("PERSON", "de Villepin")]),
    ("Elle est née à Esch-sur-Alzette le 3 mars 1980.", [("DATE_OF_BIRTH", "3 mars 1980")]),
    ("Er ist geboren in Trier am 3.4.1990.", [("DATE_OF_BIRTH", "3.4.1990")]),
    ("He was born in Metz, on 12 May 1985.", [("DATE_OF_BIRTH", "12 May 1985")]),
    ("Date of birth: 3rd of May 1990", [("DATE_OF_BIRTH", "3rd of May 1990")]),
    ("Il est né le 12.3.85 à Metz.", [("DATE_OF_BIRTH", "12.3.85")]),
    ("Tél. +352 621 123 456 / 26 12 34 56", [("PHONE", "+352 621 123 456"),
                                             ("PHONE", "26 12 34 56")]),
    ("Carte 4111111111111111.", [("PAYMENT_CARD", "4111111111111111")]),
    ("Mail: ANNE.SCHMIT@ETAT.LU", [("EMAIL", "ANNE.SCHMIT@ETAT.LU")]),
    # Known gaps: a function title between the title and the name, a lower-case IBAN, a
    # German "von der <institution>" read as part of the name, a date of birth far from its
    # trigger.
    ("Monsieur le Maire Jean Dupont a signé.", [("PERSON", "Jean Dupont")]),
    ("iban: lu28 0019 4006 4475 0000", [("IBAN", "lu28 0019 4006 4475 0000")]),
    ("Frau Schmidt von der Gemeinde ruft an.", [("PERSON", "Schmidt")]),
    ("Né en Moselle, il a vu le jour le 4 juin 1970.", [("DATE_OF_BIRTH", "4 juin 1970")]),
]


def build_cases(seed):
    R.seed(seed)
    cases = []
    langs = ["fr", "de", "en", "lb"]
    makers = {"EMAIL": lambda: (make_email(), None), "PHONE": lambda: (make_phone(), None),
              "IBAN": make_iban, "PAYMENT_CARD": make_card,
              "IP_ADDRESS": lambda: (make_ip(), None), "LU_NATIONAL_ID": make_lu_id,
              "FR_NIR": make_fr_nir, "DE_TAX_ID": make_de_tax_id}
    for pii_type, maker in makers.items():
        for idx in range(36):
            lang = langs[idx % 4]
            good, bad = maker()
            template = R.choice(TEMPLATES[pii_type][lang])
            cases.append({"text": template.format(good),
                          "entities": [{"type": pii_type, "text": good}]})
            if bad is not None and idx % 2 == 0:
                template = R.choice(TEMPLATES[pii_type][lang])
                cases.append({"text": template.format(bad), "entities": []})
    for idx in range(36):
        lang = langs[idx % 4]
        date = make_date(lang)
        cases.append({"text": R.choice(BIRTH_TEMPLATES[lang]).format(date),
                      "entities": [{"type": "DATE_OF_BIRTH", "text": date}]})
    for idx in range(36):
        lang = langs[idx % 4]
        title, template = R.choice(PERSON_TEMPLATES[lang])
        name = make_name()
        cases.append({"text": template.format(title, name),
                      "entities": [{"type": "PERSON", "text": name}]})
    for text, entities in HARD_CASES:
        cases.append({"text": text,
                      "entities": [{"type": t, "text": v} for t, v in entities]})
    for lang, sentence in NEGATIVE_SENTENCES:
        cases.append({"text": sentence, "entities": []})
    # Mixed paragraphs: several entities and a negative in one text.
    for idx in range(40):
        lang = langs[idx % 4]
        parts, entities = [], []
        title, template = R.choice(PERSON_TEMPLATES[lang])
        name = make_name()
        parts.append(template.format(title, name))
        entities.append({"type": "PERSON", "text": name})
        for pii_type in R.sample(list(makers), 2):
            good, bad = makers[pii_type]()
            parts.append(R.choice(TEMPLATES[pii_type][lang]).format(good))
            entities.append({"type": pii_type, "text": good})
            if bad is not None and R.random() < 0.5:
                parts.append(R.choice(TEMPLATES[pii_type][lang]).format(bad))
        if R.random() < 0.5:
            date = make_date(lang)
            parts.append(R.choice(BIRTH_TEMPLATES[lang]).format(date))
            entities.append({"type": "DATE_OF_BIRTH", "text": date})
        parts.append(R.choice(NEGATIVE_SENTENCES)[1])
        cases.append({"text": " ".join(parts), "entities": entities})
    return cases


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_pii_cases.py OUT.jsonl [--seed N]")
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 13616
    cases = build_cases(seed)
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    print("wrote %d cases to %s" % (len(cases), sys.argv[1]))


if __name__ == "__main__":
    main()
