//! User-facing texts of the core in Norwegian bokmål, Danish and English.
//!
//! Every string a peer sees that the core decides (validation, refusals, verification
//! results) comes from here, so both apps and the CLI say the same thing.

use peerlog_rules::Locale;

/// A fixed user-facing message. `code()` is the stable machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    NotInitialised,
    AlreadyInitialised,
    DeclarationRequired,
    NotFound,
    WrongRecoveryCode,
    RecoveryCodeTypo,
    CryptoFailed,
    BadFormat,
    StorageFailed,
    StorageFull,
    StorageReadOnly,
    StorageBusy,
    SecretStoreFailed,
    UserPresenceRequired,
    ScreenLockAdvice,
    RecoveryCodeReplaced,
    MustAccept,
    ExpenseNotDraft,
    ReportSignatureInvalid,
    ReportTotalsMismatch,
    ReportUnknownFormat,
    DeclarationSignatureInvalid,
    DeclarationTextMismatch,
    BackupWrongFormat,
    BackupTampered,
    BackupOldFormat,
    HomeNotEmpty,
    KeysMissing,
    ChapterMismatch,
    NotEnrolled,
    AlreadyEnrolled,
    NetworkFailed,
    ServerRefused,
    DeviceRevoked,
    RevokedNotWiped,
    NotCoordinator,
    CoordinatorHome,
    ReasonRequired,
    TextRequired,
    BadInvitation,
    ChapterDeclarationInvalid,
    NameRequired,
    RecoveryNotFound,
    AccountLocked,
    PeerKeysDisputed,
    RevokeThisDevice,
    InsecureServer,
    ServerInconsistent,
    BadServerAddress,
    CoreClosed,
    SignedCopyAltered,
    ThemesOff,
}

impl Msg {
    /// Stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Msg::NotInitialised => "not_initialised",
            Msg::AlreadyInitialised => "already_initialised",
            Msg::DeclarationRequired => "declaration_required",
            Msg::NotFound => "not_found",
            Msg::WrongRecoveryCode => "wrong_recovery_code",
            Msg::RecoveryCodeTypo => "recovery_code_typo",
            Msg::CryptoFailed => "crypto_failed",
            Msg::BadFormat => "bad_format",
            Msg::StorageFailed => "storage_failed",
            Msg::StorageFull => "storage_full",
            Msg::StorageReadOnly => "storage_read_only",
            Msg::StorageBusy => "storage_busy",
            Msg::SecretStoreFailed => "secret_store_failed",
            Msg::UserPresenceRequired => "user_presence_required",
            Msg::ScreenLockAdvice => "screen_lock_advice",
            Msg::RecoveryCodeReplaced => "recovery_code_replaced",
            Msg::MustAccept => "must_accept",
            Msg::ExpenseNotDraft => "expense_not_draft",
            Msg::ReportSignatureInvalid => "report_signature_invalid",
            Msg::ReportTotalsMismatch => "report_totals_mismatch",
            Msg::ReportUnknownFormat => "report_unknown_format",
            Msg::DeclarationSignatureInvalid => "declaration_signature_invalid",
            Msg::DeclarationTextMismatch => "declaration_text_mismatch",
            Msg::BackupWrongFormat => "backup_wrong_format",
            Msg::BackupTampered => "backup_tampered",
            Msg::BackupOldFormat => "backup_old_format",
            Msg::HomeNotEmpty => "home_not_empty",
            Msg::KeysMissing => "keys_missing",
            Msg::ChapterMismatch => "chapter_fingerprint_mismatch",
            Msg::NotEnrolled => "not_enrolled",
            Msg::AlreadyEnrolled => "already_enrolled",
            Msg::NetworkFailed => "network",
            Msg::ServerRefused => "server",
            Msg::DeviceRevoked => "device_revoked",
            Msg::RevokedNotWiped => "revoked_not_wiped",
            Msg::NotCoordinator => "not_coordinator",
            Msg::CoordinatorHome => "coordinator_home",
            Msg::ReasonRequired => "reason_required",
            Msg::TextRequired => "text_required",
            Msg::BadInvitation => "bad_invitation",
            Msg::ChapterDeclarationInvalid => "chapter_declaration_invalid",
            Msg::NameRequired => "name_required",
            Msg::RecoveryNotFound => "recovery_not_found",
            Msg::AccountLocked => "account_locked",
            Msg::PeerKeysDisputed => "peer_keys_disputed",
            Msg::RevokeThisDevice => "revoke_this_device",
            Msg::InsecureServer => "insecure_server",
            Msg::ServerInconsistent => "server_inconsistent",
            Msg::BadServerAddress => "bad_server_address",
            Msg::CoreClosed => "core_closed",
            Msg::SignedCopyAltered => "signed_copy_altered",
            Msg::ThemesOff => "themes_off",
        }
    }

    /// All messages, for completeness tests.
    #[cfg(test)]
    pub const ALL: &'static [Msg] = &[
        Msg::NotInitialised,
        Msg::AlreadyInitialised,
        Msg::DeclarationRequired,
        Msg::NotFound,
        Msg::WrongRecoveryCode,
        Msg::RecoveryCodeTypo,
        Msg::CryptoFailed,
        Msg::BadFormat,
        Msg::StorageFailed,
        Msg::StorageFull,
        Msg::StorageReadOnly,
        Msg::StorageBusy,
        Msg::SecretStoreFailed,
        Msg::UserPresenceRequired,
        Msg::ScreenLockAdvice,
        Msg::RecoveryCodeReplaced,
        Msg::MustAccept,
        Msg::ExpenseNotDraft,
        Msg::ReportSignatureInvalid,
        Msg::ReportTotalsMismatch,
        Msg::ReportUnknownFormat,
        Msg::DeclarationSignatureInvalid,
        Msg::DeclarationTextMismatch,
        Msg::BackupWrongFormat,
        Msg::BackupTampered,
        Msg::BackupOldFormat,
        Msg::HomeNotEmpty,
        Msg::KeysMissing,
        Msg::ChapterMismatch,
        Msg::NotEnrolled,
        Msg::AlreadyEnrolled,
        Msg::NetworkFailed,
        Msg::ServerRefused,
        Msg::DeviceRevoked,
        Msg::RevokedNotWiped,
        Msg::NotCoordinator,
        Msg::CoordinatorHome,
        Msg::ReasonRequired,
        Msg::TextRequired,
        Msg::BadInvitation,
        Msg::ChapterDeclarationInvalid,
        Msg::NameRequired,
        Msg::RecoveryNotFound,
        Msg::AccountLocked,
        Msg::PeerKeysDisputed,
        Msg::RevokeThisDevice,
        Msg::InsecureServer,
        Msg::ServerInconsistent,
        Msg::BadServerAddress,
        Msg::CoreClosed,
        Msg::SignedCopyAltered,
        Msg::ThemesOff,
    ];
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&tr(Locale::En, *self))
    }
}

/// The message in `locale`.
pub fn tr(locale: Locale, msg: Msg) -> String {
    let (en, nb, da) = match msg {
        Msg::NotInitialised => (
            "this device is not set up yet: run setup first",
            "enheten er ikke satt opp ennå: kjør oppsett først",
            "enheden er ikke sat op endnu: kør opsætning først",
        ),
        Msg::AlreadyInitialised => (
            "this device is already set up",
            "enheten er allerede satt opp",
            "enheden er allerede sat op",
        ),
        Msg::DeclarationRequired => (
            "sign the confidentiality declaration before you log contacts",
            "signer taushetserklæringen før du registrerer kontakter",
            "underskriv tavshedserklæringen, før du registrerer kontakter",
        ),
        Msg::NotFound => ("not found", "finnes ikke", "findes ikke"),
        Msg::WrongRecoveryCode => (
            "the recovery code does not match this backup",
            "gjenopprettingskoden passer ikke til denne sikkerhetskopien",
            "gendannelseskoden passer ikke til denne sikkerhedskopi",
        ),
        Msg::RecoveryCodeTypo => (
            "the recovery code has a typo: check each group of characters",
            "gjenopprettingskoden har en skrivefeil: sjekk hver gruppe med tegn",
            "gendannelseskoden har en tastefejl: tjek hver gruppe af tegn",
        ),
        Msg::CryptoFailed => (
            "the data could not be verified or decrypted",
            "dataene kunne ikke verifiseres eller dekrypteres",
            "dataene kunne ikke verificeres eller dekrypteres",
        ),
        Msg::BadFormat => (
            "the data is not in the expected format",
            "dataene har ikke forventet format",
            "dataene har ikke det forventede format",
        ),
        Msg::StorageFailed => (
            "the local data could not be read or written",
            "lokale data kunne ikke leses eller skrives",
            "lokale data kunne ikke læses eller skrives",
        ),
        Msg::StorageFull => (
            "there is no room to save on this device (the storage is full or a file is too large); nothing was saved, what was saved before is kept — free some space and try again",
            "det er ikke plass til å lagre på denne enheten (lagringen er full eller en fil er for stor); ingenting ble lagret, det som var lagret fra før, er beholdt — frigjør plass og prøv igjen",
            "der er ikke plads til at gemme på denne enhed (lageret er fuldt eller en fil er for stor); intet blev gemt, det der var gemt før, er bevaret — frigør plads og prøv igen",
        ),
        Msg::StorageReadOnly => (
            "Peerlog's data folder on this device cannot be written to (it is read-only); nothing was saved, what was saved before is kept",
            "Peerlogs datamappe på denne enheten kan ikke skrives til (den er skrivebeskyttet); ingenting ble lagret, det som var lagret fra før, er beholdt",
            "Peerlogs datamappe på denne enhed kan ikke skrives til (den er skrivebeskyttet); intet blev gemt, det der var gemt før, er bevaret",
        ),
        Msg::StorageBusy => (
            "Peerlog's data on this device is in use by another program; nothing was saved — close the other program and try again",
            "Peerlogs data på denne enheten er i bruk av et annet program; ingenting ble lagret — lukk det andre programmet og prøv igjen",
            "Peerlogs data på denne enhed er i brug af et andet program; intet blev gemt — luk det andet program og prøv igen",
        ),
        Msg::SecretStoreFailed => (
            "the device's key storage is unavailable",
            "enhetens nøkkellager er utilgjengelig",
            "enhedens nøglelager er utilgængeligt",
        ),
        Msg::UserPresenceRequired => (
            "confirm that it is you with the phone's screen lock, then try again",
            "bekreft at det er deg med telefonens skjermlås, og prøv igjen",
            "bekræft at det er dig med telefonens skærmlås, og prøv igen",
        ),
        Msg::ScreenLockAdvice => (
            "This phone has no screen lock, so anyone holding it can see your recovery code \
             and take over your account. Set a PIN, pattern or password in the phone's settings.",
            "Denne telefonen har ingen skjermlås, så alle som holder den kan se gjenopprettingskoden \
             din og ta over kontoen din. Velg en PIN-kode, et mønster eller et passord i telefonens innstillinger.",
            "Denne telefon har ingen skærmlås, så alle, der holder den, kan se din gendannelseskode \
             og overtage din konto. Vælg en pinkode, et mønster eller en adgangskode i telefonens indstillinger.",
        ),
        Msg::RecoveryCodeReplaced => (
            "This is your new recovery code: write it down and keep it safe. The old code no \
             longer sets up a phone; backups made before today still need the old code.",
            "Dette er den nye gjenopprettingskoden din: skriv den ned og ta vare på den. Den gamle \
             koden kan ikke lenger brukes til å ta i bruk en telefon; sikkerhetskopier laget før i dag \
             trenger fortsatt den gamle koden.",
            "Dette er din nye gendannelseskode: skriv den ned og pas godt på den. Den gamle kode kan \
             ikke længere bruges til at tage en telefon i brug; sikkerhedskopier lavet før i dag skal \
             stadig bruge den gamle kode.",
        ),
        Msg::MustAccept => (
            "you must explicitly accept the declaration to sign it",
            "du må uttrykkelig godta erklæringen for å signere den",
            "du skal udtrykkeligt acceptere erklæringen for at underskrive den",
        ),
        Msg::ExpenseNotDraft => (
            "only a draft expense can be changed or deleted",
            "bare et utkast til utlegg kan endres eller slettes",
            "kun et udkast til udlæg kan ændres eller slettes",
        ),
        Msg::ReportSignatureInvalid => (
            "the report was changed after it was signed, or the signature is not valid",
            "rapporten er endret etter at den ble signert, eller signaturen er ugyldig",
            "rapporten er ændret, efter den blev underskrevet, eller underskriften er ugyldig",
        ),
        Msg::ReportTotalsMismatch => (
            "the report's totals do not match its entries",
            "rapportens summer stemmer ikke med oppføringene",
            "rapportens summer stemmer ikke med posterne",
        ),
        Msg::ReportUnknownFormat => (
            "this is not a Peerlog report file",
            "dette er ikke en rapportfil fra Peerlog",
            "dette er ikke en rapportfil fra Peerlog",
        ),
        Msg::DeclarationSignatureInvalid => (
            "the declaration signature is not valid",
            "signaturen på erklæringen er ugyldig",
            "underskriften på erklæringen er ugyldig",
        ),
        Msg::DeclarationTextMismatch => (
            "the signed declaration text differs from the text shown",
            "den signerte erklæringsteksten er ikke den samme som teksten som vises",
            "den underskrevne erklæringstekst er ikke den samme som den viste tekst",
        ),
        Msg::BackupWrongFormat => (
            "this is not a Peerlog backup file",
            "dette er ikke en sikkerhetskopi fra Peerlog",
            "dette er ikke en sikkerhedskopi fra Peerlog",
        ),
        Msg::BackupTampered => (
            "this backup file has been changed since it was made and cannot be restored",
            "denne sikkerhetskopien er endret etter at den ble laget og kan ikke gjenopprettes",
            "denne sikkerhedskopi er ændret, efter at den blev lavet, og kan ikke gendannes",
        ),
        Msg::BackupOldFormat => (
            "this backup file is from an older version of Peerlog that cannot be checked; make a new backup or recover from the server",
            "denne sikkerhetskopien er fra en eldre versjon av Peerlog og kan ikke kontrolleres; lag en ny sikkerhetskopi eller gjenopprett fra serveren",
            "denne sikkerhedskopi er fra en ældre version af Peerlog og kan ikke kontrolleres; lav en ny sikkerhedskopi eller gendan fra serveren",
        ),
        Msg::HomeNotEmpty => (
            "there is already Peerlog data here; restore into an empty place",
            "det finnes allerede Peerlog-data her; gjenopprett til et tomt sted",
            "der findes allerede Peerlog-data her; gendan til et tomt sted",
        ),
        Msg::KeysMissing => (
            "the keys for this data are missing from the device's key storage",
            "nøklene til disse dataene mangler i enhetens nøkkellager",
            "nøglerne til disse data mangler i enhedens nøglelager",
        ),
        Msg::ChapterMismatch => (
            "the server presented a different chapter key than the invitation: enrolment refused, nothing was sent or stored",
            "serveren viste en annen lokallagsnøkkel enn invitasjonen: innmelding avvist, ingenting ble sendt eller lagret",
            "serveren viste en anden lokalafdelingsnøgle end invitationen: tilmelding afvist, intet blev sendt eller gemt",
        ),
        Msg::NotEnrolled => (
            "this device is not connected to an organisation's server yet",
            "enheten er ikke koblet til en organisasjons server ennå",
            "enheden er ikke forbundet til en organisations server endnu",
        ),
        Msg::AlreadyEnrolled => (
            "this device is already connected to a server",
            "enheten er allerede koblet til en server",
            "enheden er allerede forbundet til en server",
        ),
        Msg::NetworkFailed => (
            "the server could not be reached; the app will try again later",
            "fikk ikke kontakt med serveren; appen prøver igjen senere",
            "kunne ikke få forbindelse til serveren; appen prøver igen senere",
        ),
        Msg::ServerRefused => (
            "the server refused the request",
            "serveren avviste forespørselen",
            "serveren afviste forespørgslen",
        ),
        Msg::DeviceRevoked => (
            "this device was removed by the coordinator; its keys and data have been erased",
            "denne enheten ble fjernet av koordinatoren; nøklene og dataene er slettet",
            "denne enhed blev fjernet af koordinatoren; dens nøgler og data er slettet",
        ),
        Msg::RevokedNotWiped => (
            "the server refuses this device as revoked, but without a revocation signed by your chapter; nothing on this device was erased — ask your coordinator",
            "serveren avviser denne enheten som fjernet, men uten en fjerning signert av lokallaget ditt; ingenting på enheten er slettet — spør koordinatoren din",
            "serveren afviser denne enhed som fjernet, men uden en fjernelse underskrevet af din lokalafdeling; intet på enheden er slettet — spørg din koordinator",
        ),
        Msg::NotCoordinator => (
            "only a coordinator's machine can do this",
            "bare koordinatorens maskin kan gjøre dette",
            "kun koordinatorens maskine kan gøre dette",
        ),
        Msg::CoordinatorHome => (
            "this is a coordinator's machine; open it with the coordinator's tools",
            "dette er en koordinatormaskin; åpne den med koordinatorverktøyene",
            "dette er en koordinatormaskine; åbn den med koordinatorværktøjerne",
        ),
        Msg::ReasonRequired => (
            "a rejection needs a reason",
            "et avslag må ha en begrunnelse",
            "et afslag skal have en begrundelse",
        ),
        Msg::TextRequired => ("the text is empty", "teksten er tom", "teksten er tom"),
        Msg::BadInvitation => (
            "this is not a valid Peerlog invitation",
            "dette er ikke en gyldig Peerlog-invitasjon",
            "dette er ikke en gyldig Peerlog-invitation",
        ),
        Msg::ChapterDeclarationInvalid => (
            "the declaration from the server is not signed by the chapter: it was ignored",
            "erklæringen fra serveren er ikke signert av lokallaget: den ble ignorert",
            "erklæringen fra serveren er ikke underskrevet af lokalafdelingen: den blev ignoreret",
        ),
        Msg::NameRequired => (
            "a new device needs the peer's name",
            "en ny enhet trenger likepersonens navn",
            "en ny enhed skal have peer-støttegiverens navn",
        ),
        Msg::RevokeThisDevice => (
            "this is the device you are using: to remove Peerlog from it, erase it instead",
            "dette er enheten du bruker: vil du fjerne Peerlog fra den, slett den i stedet",
            "dette er den enhed du bruger: vil du fjerne Peerlog fra den, så slet den i stedet",
        ),
        Msg::PeerKeysDisputed => (
            "the keys the server lists for this peer do not match what the peer proved with the invitation: nothing was sent to them; invite them again",
            "nøklene serveren oppgir for denne likepersonen stemmer ikke med det likepersonen beviste med invitasjonen: ingenting ble sendt; inviter dem på nytt",
            "nøglerne serveren angiver for denne peer-støttegiver stemmer ikke med det peer-støttegiveren beviste med invitationen: intet blev sendt; inviter dem igen",
        ),
        Msg::AccountLocked => (
            "your chapter has locked this account; ask your coordinator",
            "lokallaget ditt har låst denne kontoen; spør koordinatoren din",
            "din lokalafdeling har låst denne konto; spørg din koordinator",
        ),
        Msg::RecoveryNotFound => (
            "the server knows no account for this recovery code",
            "serveren kjenner ingen konto for denne gjenopprettingskoden",
            "serveren kender ingen konto til denne gendannelseskode",
        ),
        Msg::InsecureServer => (
            "the server address starts with http://, so the connection would not be encrypted: \
             nothing was sent. Ask your coordinator for an https:// address",
            "serveradressen begynner med http://, så forbindelsen ville ikke vært kryptert: \
             ingenting ble sendt. Be koordinatoren om en https://-adresse",
            "serveradressen begynder med http://, så forbindelsen ville ikke være krypteret: \
             intet blev sendt. Bed koordinatoren om en https://-adresse",
        ),
        Msg::ServerInconsistent => (
            "the server did not give this phone everything your phones have saved, or gave back an older copy; nothing on this phone was deleted — tell your coordinator",
            "serveren ga ikke denne telefonen alt telefonene dine har lagret, eller ga tilbake en eldre kopi; ingenting på telefonen er slettet — si fra til koordinatoren din",
            "serveren gav ikke denne telefon alt det, dine telefoner har gemt, eller gav en ældre kopi tilbage; intet på telefonen er slettet — sig det til din koordinator",
        ),
        Msg::BadServerAddress => (
            "this is not a server address: ask your coordinator for an https:// address",
            "dette er ikke en serveradresse: be koordinatoren om en https://-adresse",
            "dette er ikke en serveradresse: bed koordinatoren om en https://-adresse",
        ),
        Msg::CoreClosed => (
            "Peerlog was closed on this device (it was erased or restored): open the app again",
            "Peerlog ble lukket på denne enheten (den ble slettet eller gjenopprettet): åpne appen på nytt",
            "Peerlog blev lukket på denne enhed (den blev slettet eller gendannet): åbn appen igen",
        ),
        Msg::SignedCopyAltered => (
            "the readable part of this copy was changed after it was signed: it does not show what was signed",
            "den lesbare delen av denne kopien er endret etter at den ble signert: den viser ikke det som ble signert",
            "den læsbare del af denne kopi er ændret, efter den blev underskrevet: den viser ikke det, der blev underskrevet",
        ),
        Msg::ThemesOff => (
            "your chapter has not switched on the recovery-themes question: save the contact without themes",
            "lokallaget ditt har ikke slått på spørsmålet om recovery-temaer: lagre kontakten uten temaer",
            "din lokalafdeling har ikke slået spørgsmålet om recovery-temaer til: gem kontakten uden temaer",
        ),
    };
    pick(locale, en, nb, da).to_string()
}

/// How a verified file names an author whose device the chapter certified.
pub(crate) fn signed_by_enrolled(l: Locale, org: &str, chapter: &str, fingerprint: &str) -> String {
    match l {
        Locale::En => {
            format!("signed by an enrolled device of {org} / {chapter} (chapter key {fingerprint})")
        }
        Locale::Nb => format!(
            "signert av en innmeldt enhet i {org} / {chapter} (lokallagsnøkkel {fingerprint})"
        ),
        Locale::Da => format!(
            "underskrevet af en tilmeldt enhed i {org} / {chapter} (lokalafdelingsnøgle {fingerprint})"
        ),
    }
}

/// How a verified file names an author no chapter certified.
pub(crate) fn signed_by_uncertified(l: Locale) -> String {
    pick(
        l,
        "signed by a key no chapter certified",
        "signert med en nøkkel som ikke er sertifisert av noe lokallag",
        "underskrevet med en nøgle, som ingen lokalafdeling har certificeret",
    )
    .to_string()
}

/// Chooses the text for `locale`.
pub(crate) fn pick<'a>(locale: Locale, en: &'a str, nb: &'a str, da: &'a str) -> &'a str {
    match locale {
        Locale::En => en,
        Locale::Nb => nb,
        Locale::Da => da,
    }
}

/// Validation messages, with the numbers of the limit filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    BadDate,
    InFuture,
    TooOld,
    BadTime,
    MinutesRange,
    TooFewParticipants(u32),
    TooManyParticipants(u32),
    TooLong(usize),
    TooMany(usize),
    ControlChars,
    PlaceNotApplicable,
    KmRange(u32),
    AmountRange,
    AmountForTravel,
    KmRequired,
    UnknownContact,
    ReceiptTooLarge(usize),
    ReceiptType,
    Strokes,
    BadName,
    UnknownRules,
    BadCurrency,
    BadAmount,
    BadCertificate,
    NotANumber,
    UnsupportedMarkdown(MarkdownFeature),
    /// An end date (a certificate's valid-until) before its start.
    BeforeStart,
    /// A course without a name.
    CourseRequired,
    /// A follow-up date before the contact it follows up.
    BeforeContact,
    /// A date more than this many days ahead.
    TooFarAhead(u32),
    /// An import file's column is missing from its header.
    MissingColumn,
    /// An import file's value that is not one of the allowed words.
    NotAllowed,
    /// An import file that is not CSV (or a line of it that is not).
    BadCsv,
    /// A recovery theme that is not one of the five.
    UnknownTheme,
    /// The same recovery theme given twice.
    DuplicateTheme,
}

/// Markdown a declaration text may not use (the apps and the signed copies do not render
/// it): named in the refusal so the coordinator knows what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkdownFeature {
    Image,
    Html,
    Table,
    Code,
    Quote,
    NestedList,
    Link,
    Footnote,
    Other,
}

impl MarkdownFeature {
    /// Every feature, for completeness tests.
    #[cfg(test)]
    pub const ALL: &'static [MarkdownFeature] = &[
        MarkdownFeature::Image,
        MarkdownFeature::Html,
        MarkdownFeature::Table,
        MarkdownFeature::Code,
        MarkdownFeature::Quote,
        MarkdownFeature::NestedList,
        MarkdownFeature::Link,
        MarkdownFeature::Footnote,
        MarkdownFeature::Other,
    ];

    fn name(self, l: Locale) -> &'static str {
        match self {
            MarkdownFeature::Image => pick(l, "images", "bilder", "billeder"),
            MarkdownFeature::Html => pick(l, "HTML tags", "HTML-koder", "HTML-koder"),
            MarkdownFeature::Table => pick(l, "tables", "tabeller", "tabeller"),
            MarkdownFeature::Code => pick(l, "code blocks", "kodeblokker", "kodeblokke"),
            MarkdownFeature::Quote => pick(l, "quotes (>)", "sitater (>)", "citater (>)"),
            MarkdownFeature::NestedList => pick(
                l,
                "lists inside lists",
                "lister inni lister",
                "lister inden i lister",
            ),
            MarkdownFeature::Link => pick(
                l,
                "links that are not https, mailto or tel",
                "lenker som ikke er https, mailto eller tel",
                "links, der ikke er https, mailto eller tel",
            ),
            MarkdownFeature::Footnote => pick(l, "footnotes", "fotnoter", "fodnoter"),
            MarkdownFeature::Other => pick(
                l,
                "formatting other than headings, paragraphs, lists, bold, italics and links",
                "annen formatering enn overskrifter, avsnitt, lister, fet, kursiv og lenker",
                "anden formatering end overskrifter, afsnit, lister, fed, kursiv og links",
            ),
        }
    }
}

impl Invalid {
    pub fn code(self) -> &'static str {
        match self {
            Invalid::BadDate => "bad_date",
            Invalid::InFuture => "in_future",
            Invalid::TooOld => "too_old",
            Invalid::BadTime => "bad_time",
            Invalid::MinutesRange => "out_of_range",
            Invalid::TooFewParticipants(_) => "too_few",
            Invalid::TooManyParticipants(_) => "too_many",
            Invalid::TooLong(_) => "too_long",
            Invalid::TooMany(_) => "too_many",
            Invalid::ControlChars => "control_characters",
            Invalid::PlaceNotApplicable => "not_applicable",
            Invalid::KmRange(_) => "out_of_range",
            Invalid::AmountRange => "out_of_range",
            Invalid::AmountForTravel => "not_applicable",
            Invalid::KmRequired => "required",
            Invalid::UnknownContact => "unknown_contact",
            Invalid::ReceiptTooLarge(_) => "too_large",
            Invalid::ReceiptType => "unsupported_type",
            Invalid::Strokes => "too_large",
            Invalid::BadName => "bad_name",
            Invalid::UnknownRules => "unknown_rule_set",
            Invalid::BadCurrency => "bad_currency",
            Invalid::BadAmount => "bad_amount",
            Invalid::BadCertificate => "bad_certificate",
            Invalid::NotANumber => "not_a_number",
            Invalid::UnsupportedMarkdown(_) => "unsupported_markdown",
            Invalid::BeforeStart => "before_start",
            Invalid::CourseRequired => "required",
            Invalid::BeforeContact => "before_contact",
            Invalid::TooFarAhead(_) => "too_far_ahead",
            Invalid::MissingColumn => "missing_column",
            Invalid::NotAllowed => "not_allowed",
            Invalid::BadCsv => "bad_csv",
            Invalid::UnknownTheme => "unknown_theme",
            Invalid::DuplicateTheme => "duplicate",
        }
    }

    pub fn message(self, l: Locale) -> String {
        match self {
            Invalid::BadDate => pick(
                l,
                "not a date (use YYYY-MM-DD)",
                "ikke en dato (bruk ÅÅÅÅ-MM-DD)",
                "ikke en dato (brug ÅÅÅÅ-MM-DD)",
            )
            .into(),
            Invalid::InFuture => pick(
                l,
                "the date is in the future",
                "datoen er fram i tid",
                "datoen ligger ude i fremtiden",
            )
            .into(),
            Invalid::TooOld => pick(
                l,
                "the date is too far back",
                "datoen er for langt tilbake i tid",
                "datoen ligger for langt tilbage",
            )
            .into(),
            Invalid::BadTime => pick(
                l,
                "not a time of day (use HH:MM)",
                "ikke et klokkeslett (bruk TT:MM)",
                "ikke et klokkeslæt (brug TT:MM)",
            )
            .into(),
            Invalid::MinutesRange => pick(
                l,
                "must be between 1 and 1440 minutes",
                "må være mellom 1 og 1440 minutter",
                "skal være mellem 1 og 1440 minutter",
            )
            .into(),
            Invalid::TooFewParticipants(n) => match l {
                Locale::En => format!("a group needs at least {n} participants"),
                Locale::Nb => format!("en gruppe må ha minst {n} deltakere"),
                Locale::Da => format!("en gruppe skal have mindst {n} deltagere"),
            },
            Invalid::TooManyParticipants(n) => match l {
                Locale::En => format!("at most {n} participants"),
                Locale::Nb => format!("høyst {n} deltakere"),
                Locale::Da => format!("højst {n} deltagere"),
            },
            Invalid::TooLong(n) => match l {
                Locale::En => format!("too long: at most {n} characters"),
                Locale::Nb => format!("for lang: høyst {n} tegn"),
                Locale::Da => format!("for lang: højst {n} tegn"),
            },
            Invalid::TooMany(n) => match l {
                Locale::En => format!("too many: at most {n}"),
                Locale::Nb => format!("for mange: høyst {n}"),
                Locale::Da => format!("for mange: højst {n}"),
            },
            Invalid::ControlChars => pick(
                l,
                "contains characters that are not allowed",
                "inneholder tegn som ikke er tillatt",
                "indeholder tegn, der ikke er tilladt",
            )
            .into(),
            Invalid::PlaceNotApplicable => pick(
                l,
                "a place is only recorded for visits and meetings",
                "sted registreres bare for besøk og møter",
                "sted registreres kun for besøg og møder",
            )
            .into(),
            Invalid::KmRange(n) => match l {
                Locale::En => format!("must be between 0 and {n} km"),
                Locale::Nb => format!("må være mellom 0 og {n} km"),
                Locale::Da => format!("skal være mellem 0 og {n} km"),
            },
            Invalid::AmountRange => pick(
                l,
                "the amount must be more than 0 and at most 100 000",
                "beløpet må være over 0 og høyst 100 000",
                "beløbet skal være over 0 og højst 100.000",
            )
            .into(),
            Invalid::AmountForTravel => pick(
                l,
                "travel is paid per km: give km, not an amount",
                "reise dekkes per km: oppgi km, ikke beløp",
                "kørsel dækkes pr. km: angiv km, ikke beløb",
            )
            .into(),
            Invalid::KmRequired => pick(
                l,
                "give the distance in km",
                "oppgi avstanden i km",
                "angiv afstanden i km",
            )
            .into(),
            Invalid::UnknownContact => pick(
                l,
                "refers to a contact that does not exist",
                "viser til en kontakt som ikke finnes",
                "henviser til en kontakt, der ikke findes",
            )
            .into(),
            Invalid::ReceiptTooLarge(n) => match l {
                Locale::En => format!("the receipt is too large: at most {} MB", n / (1024 * 1024)),
                Locale::Nb => format!("kvitteringen er for stor: høyst {} MB", n / (1024 * 1024)),
                Locale::Da => format!("kvitteringen er for stor: højst {} MB", n / (1024 * 1024)),
            },
            Invalid::ReceiptType => pick(
                l,
                "the receipt must be a JPEG, PNG, HEIC or PDF file",
                "kvitteringen må være en JPEG-, PNG-, HEIC- eller PDF-fil",
                "kvitteringen skal være en JPEG-, PNG-, HEIC- eller PDF-fil",
            )
            .into(),
            Invalid::Strokes => pick(
                l,
                "the drawn signature is too large",
                "den tegnede signaturen er for stor",
                "den tegnede underskrift er for stor",
            )
            .into(),
            Invalid::BadName => pick(
                l,
                "type your full name (2 to 100 characters)",
                "skriv hele navnet ditt (2 til 100 tegn)",
                "skriv dit fulde navn (2 til 100 tegn)",
            )
            .into(),
            Invalid::UnknownRules => pick(
                l,
                "unknown reporting rule set",
                "ukjent regelsett for rapportering",
                "ukendt regelsæt for indberetning",
            )
            .into(),
            Invalid::BadCurrency => pick(
                l,
                "a currency is three capital letters, like NOK",
                "en valuta er tre store bokstaver, som NOK",
                "en valuta er tre store bogstaver, som DKK",
            )
            .into(),
            Invalid::BadAmount => pick(
                l,
                "not an amount (write it like 149.50)",
                "ikke et beløp (skriv det som 149,50)",
                "ikke et beløb (skriv det som 149,50)",
            )
            .into(),
            Invalid::BadCertificate => pick(
                l,
                "not a certificate: choose the server's CA certificate as a PEM file \
                 (-----BEGIN CERTIFICATE-----)",
                "ikke et sertifikat: velg serverens CA-sertifikat som PEM-fil \
                 (-----BEGIN CERTIFICATE-----)",
                "ikke et certifikat: vælg serverens CA-certifikat som PEM-fil \
                 (-----BEGIN CERTIFICATE-----)",
            )
            .into(),
            Invalid::NotANumber => pick(
                l,
                "not a number: write it in digits, like 45",
                "ikke et tall: skriv det med sifre, som 45",
                "ikke et tal: skriv det med cifre, som 45",
            )
            .into(),
            Invalid::UnsupportedMarkdown(f) => match l {
                Locale::En => format!(
                    "the declaration uses {}, which the app cannot show: use only headings (#), \
                     paragraphs, numbered and bulleted lists, **bold**, *italics* and links",
                    f.name(l)
                ),
                Locale::Nb => format!(
                    "erklæringen bruker {}, som appen ikke kan vise: bruk bare overskrifter (#), \
                     avsnitt, nummererte lister og punktlister, **fet**, *kursiv* og lenker",
                    f.name(l)
                ),
                Locale::Da => format!(
                    "erklæringen bruger {}, som appen ikke kan vise: brug kun overskrifter (#), \
                     afsnit, nummererede lister og punktopstillinger, **fed**, *kursiv* og links",
                    f.name(l)
                ),
            },
            Invalid::BeforeStart => pick(
                l,
                "this date is before the course date",
                "denne datoen er før kursdatoen",
                "denne dato ligger før kursusdatoen",
            )
            .into(),
            Invalid::CourseRequired => pick(
                l,
                "type the course's name",
                "skriv navnet på kurset",
                "skriv kursets navn",
            )
            .into(),
            Invalid::BeforeContact => pick(
                l,
                "the date is before the contact",
                "datoen er før kontakten",
                "datoen ligger før kontakten",
            )
            .into(),
            Invalid::TooFarAhead(n) => match l {
                Locale::En => format!("too far ahead: at most {n} days from today"),
                Locale::Nb => format!("for langt fram: høyst {n} dager fra i dag"),
                Locale::Da => format!("for langt ude i fremtiden: højst {n} dage fra i dag"),
            },
            Invalid::MissingColumn => pick(
                l,
                "this column is missing from the file's first line",
                "denne kolonnen mangler i filens første linje",
                "denne kolonne mangler i filens første linje",
            )
            .into(),
            Invalid::NotAllowed => pick(
                l,
                "not one of the allowed values (see the import guide)",
                "ikke en av de tillatte verdiene (se veiledningen for import)",
                "ikke en af de tilladte værdier (se vejledningen til import)",
            )
            .into(),
            Invalid::BadCsv => pick(
                l,
                "not a CSV file in UTF-8 with the same number of columns on every line",
                "ikke en CSV-fil i UTF-8 med like mange kolonner på hver linje",
                "ikke en CSV-fil i UTF-8 med lige mange kolonner på hver linje",
            )
            .into(),
            Invalid::UnknownTheme => pick(
                l,
                "unknown theme: use connectedness, hope, identity, meaning or empowerment",
                "ukjent tema: bruk connectedness, hope, identity, meaning eller empowerment",
                "ukendt tema: brug connectedness, hope, identity, meaning eller empowerment",
            )
            .into(),
            Invalid::DuplicateTheme => pick(
                l,
                "a theme is given twice",
                "et tema er oppgitt to ganger",
                "et tema er angivet to gange",
            )
            .into(),
        }
    }
}

/// A month's name as a heading uses it ("March", "mars", "marts"); `month` is 1..=12.
pub(crate) fn month_name(l: Locale, month: u32) -> &'static str {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const NB: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    const DA: [&str; 12] = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    pick(l, EN[i], NB[i], DA[i])
}

/// A month of a year as a heading: "March 2026", "Mars 2026", "Marts 2026".
pub(crate) fn month_label(l: Locale, year: i32, month: u32) -> String {
    let name = month_name(l, month);
    let mut chars = name.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    format!("{capital} {year}")
}

/// What a version of a contact did, for its line in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Created,
    Edited,
    Deleted,
}

/// "Logged on this device", "Changed on device 3f2a-91bc", "Deleted on this device".
pub(crate) fn version_label(
    l: Locale,
    change: Change,
    this_device: bool,
    short_id: &str,
) -> String {
    let what = match change {
        Change::Created => pick(l, "Logged", "Registrert", "Registreret"),
        Change::Edited => pick(l, "Changed", "Endret", "Ændret"),
        Change::Deleted => pick(l, "Deleted", "Slettet", "Slettet"),
    };
    if this_device {
        let here = pick(l, "on this device", "på denne enheten", "på denne enhed");
        format!("{what} {here}")
    } else {
        let there = pick(l, "on device", "på enhet", "på enhed");
        format!("{what} {there} {short_id}")
    }
}

/// A number of contacts, in the plural form the number takes.
pub(crate) fn contacts_count(l: Locale, n: u32) -> String {
    match (l, n) {
        (Locale::En, 1) => "1 contact".into(),
        (Locale::En, n) => format!("{n} contacts"),
        (Locale::Nb | Locale::Da, 1) => "1 kontakt".into(),
        (Locale::Nb | Locale::Da, n) => format!("{n} kontakter"),
    }
}

/// A reason contacts were not counted, with how many: "fewer than 3 participants: 2 contacts".
pub(crate) fn not_counted_line(l: Locale, reason: &str, n: u32) -> String {
    format!("{reason}: {}", contacts_count(l, n))
}

/// How many contacts of a kind count: "2 of 3 count", "2 av 3 teller", "2 af 3 tæller".
pub(crate) fn kind_counted_line(l: Locale, counted: u32, total: u32) -> String {
    match l {
        Locale::En => format!("{counted} of {total} count"),
        Locale::Nb => format!("{counted} av {total} teller"),
        Locale::Da => format!("{counted} af {total} tæller"),
    }
}

/// The peer's certification in one line, as both apps and the CLI show it.
pub(crate) fn training_line(
    l: Locale,
    certified: bool,
    valid_until: Option<&str>,
    reminder_due: bool,
    any_record: bool,
) -> String {
    match (certified, valid_until, reminder_due) {
        (true, Some(d), true) => match l {
            Locale::En => format!(
                "Your certificate expires on {d}: ask your coordinator about a refresher course"
            ),
            Locale::Nb => {
                format!("Sertifikatet ditt går ut {d}: spør koordinatoren om et oppfriskningskurs")
            }
            Locale::Da => {
                format!("Dit certifikat udløber {d}: spørg din koordinator om et genopfriskningskursus")
            }
        },
        (true, Some(d), false) => match l {
            Locale::En => format!("Certified until {d}"),
            Locale::Nb => format!("Sertifisert til {d}"),
            Locale::Da => format!("Certificeret til {d}"),
        },
        (true, None, _) => pick(
            l,
            "Certified (no expiry date)",
            "Sertifisert (uten utløpsdato)",
            "Certificeret (uden udløbsdato)",
        )
        .into(),
        (false, _, _) if any_record => pick(
            l,
            "Your certificate has expired: ask your coordinator about a refresher course",
            "Sertifikatet ditt har gått ut: spør koordinatoren om et oppfriskningskurs",
            "Dit certifikat er udløbet: spørg din koordinator om et genopfriskningskursus",
        )
        .into(),
        (false, _, _) => pick(
            l,
            "No peer course recorded yet: your coordinator records it when you have taken it",
            "Ingen likepersonskurs registrert ennå: koordinatoren registrerer det når du har tatt det",
            "Intet peer-kursus registreret endnu: din koordinator registrerer det, når du har taget det",
        )
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_and_differs_per_language() {
        for msg in Msg::ALL {
            let en = tr(Locale::En, *msg);
            let nb = tr(Locale::Nb, *msg);
            let da = tr(Locale::Da, *msg);
            assert!(
                !en.is_empty() && !nb.is_empty() && !da.is_empty(),
                "{msg:?}"
            );
            assert_ne!(en, nb, "{msg:?} is not translated to nb");
            assert_ne!(en, da, "{msg:?} is not translated to da");
        }
        let codes: std::collections::HashSet<_> = Msg::ALL.iter().map(|m| m.code()).collect();
        assert_eq!(codes.len(), Msg::ALL.len(), "codes are unique");
    }

    #[test]
    fn phrases_exist_in_every_language_with_plurals() {
        assert_eq!(month_label(Locale::En, 2026, 3), "March 2026");
        assert_eq!(month_label(Locale::Nb, 2026, 3), "Mars 2026");
        assert_eq!(month_label(Locale::Da, 2026, 12), "December 2026");
        assert_eq!(contacts_count(Locale::En, 1), "1 contact");
        assert_eq!(contacts_count(Locale::En, 2), "2 contacts");
        assert_eq!(contacts_count(Locale::Nb, 1), "1 kontakt");
        assert_eq!(contacts_count(Locale::Da, 5), "5 kontakter");
        assert_eq!(kind_counted_line(Locale::Nb, 2, 3), "2 av 3 teller");
        assert_eq!(
            version_label(Locale::Da, Change::Edited, false, "3f2a-91bc"),
            "Ændret på enhed 3f2a-91bc"
        );
        assert_eq!(
            version_label(Locale::En, Change::Created, true, "x"),
            "Logged on this device"
        );
        let names = |l| (1..=12).map(|m| month_name(l, m)).collect::<Vec<_>>();
        for l in [Locale::En, Locale::Nb, Locale::Da] {
            let n = names(l);
            assert_eq!(n.iter().collect::<std::collections::HashSet<_>>().len(), 12);
        }
        assert_ne!(names(Locale::Nb), names(Locale::Da));
    }

    #[test]
    fn every_markdown_feature_is_named_in_every_language() {
        for f in MarkdownFeature::ALL {
            let [en, nb, da] = [Locale::En, Locale::Nb, Locale::Da]
                .map(|l| Invalid::UnsupportedMarkdown(*f).message(l));
            assert!(en.contains(f.name(Locale::En)), "{f:?}");
            assert_ne!(en, nb, "{f:?}");
            assert_ne!(en, da, "{f:?}");
            assert_ne!(nb, da, "{f:?}");
        }
    }
}
