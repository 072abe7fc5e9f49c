//! Every text the console shows, in Norwegian bokmål, Danish and English. Each key is a
//! method of [`Texts`], so a template naming a missing key does not compile; each entry
//! must give all three languages, and a test checks none is empty and that the `{}`
//! placeholders agree. Names of the domain's values (contact kinds, categories, expense
//! kinds and statuses) and error messages come from the core, in the same language.

use peerlog_core::Locale;

macro_rules! texts {
    ($($key:ident => [$nb:expr, $da:expr, $en:expr $(,)?],)*) => {
        /// The console's texts in one language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Texts(pub Locale);

        impl Texts {
            $(
                pub fn $key(&self) -> &'static str {
                    match self.0 {
                        Locale::Nb => $nb,
                        Locale::Da => $da,
                        Locale::En => $en,
                    }
                }
            )*
        }

        /// Every key with its nb, da and en text.
        pub const ALL: &[(&str, [&str; 3])] = &[$((stringify!($key), [$nb, $da, $en]),)*];
    };
}

texts! {
    app_name => ["Peerlog for koordinatorer", "Peerlog for koordinatorer", "Peerlog for coordinators"],
    skip_to_content => ["Hopp til innholdet", "Spring til indholdet", "Skip to content"],
    main_menu => ["Hovedmeny", "Hovedmenu", "Main menu"],
    nav_overview => ["Oversikt", "Overblik", "Overview"],
    nav_peers => ["Likepersoner", "Peer-støttegivere", "Peers"],
    nav_invite => ["Inviter", "Invitér", "Invite"],
    nav_expenses => ["Utgifter", "Udgifter", "Expenses"],
    nav_declaration => ["Taushetserklæring", "Tavshedserklæring", "Declaration"],
    nav_report => ["Rapport", "Rapport", "Report"],
    footer_local => [
        "Konsollet kjører bare på denne maskinen og dekrypterer her. Stopp det med Ctrl-C i terminalen.",
        "Konsollen kører kun på denne maskine og dekrypterer her. Stop den med Ctrl-C i terminalen.",
        "The console runs on this machine only and decrypts here. Stop it with Ctrl-C in the terminal.",
    ],
    login_title => ["Logg inn", "Log ind", "Sign in"],
    login_help => [
        "Åpne adressen som «peerlog coordinator console» skrev i terminalen. Lenken virker én gang; start konsollet på nytt for å få en ny.",
        "Åbn adressen, som »peerlog coordinator console« skrev i terminalen. Linket virker én gang; start konsollen igen for at få et nyt.",
        "Open the address that “peerlog coordinator console” printed in the terminal. The link works once; start the console again for a new one.",
    ],
    login_used => [
        "Denne innloggingslenken er brukt eller feil.",
        "Dette login-link er brugt eller forkert.",
        "This sign-in link was already used or is wrong.",
    ],
    wrong_host => [
        "Konsollet svarer bare på sin egen adresse på denne maskinen.",
        "Konsollen svarer kun på sin egen adresse på denne maskine.",
        "The console answers only on its own address on this machine.",
    ],
    forbidden => [
        "Avvist: forespørselen kom ikke fra en side i dette konsollet. Last siden på nytt og prøv igjen.",
        "Afvist: forespørgslen kom ikke fra en side i denne konsol. Genindlæs siden og prøv igen.",
        "Refused: the request did not come from a page of this console. Reload the page and try again.",
    ],
    not_found => ["Fant ikke siden.", "Siden blev ikke fundet.", "Page not found."],
    error_title => ["Noe gikk galt", "Noget gik galt", "Something went wrong"],
    back_to_overview => ["Tilbake til oversikten", "Tilbage til overblikket", "Back to the overview"],
    year => ["År", "År", "Year"],
    show => ["Vis", "Vis", "Show"],
    activity_days => ["Aktivitetsdager", "Aktivitetsdage", "Activity-days"],
    not_counted => ["Teller ikke", "Tæller ikke", "Not counted"],
    total => ["Totalt", "I alt", "Total"],
    overview_title => ["Oversikt {}", "Overblik {}", "Overview {}"],
    chart_title => ["Aktivitetsdager per måned", "Aktivitetsdage pr. måned", "Activity-days per month"],
    chart_desc => [
        "Stolper per måned: heltrukket {} og skravert {}; tallet står over hver stolpe.",
        "Søjler pr. måned: udfyldt {} og skraveret {}; tallet står over hver søjle.",
        "Bars per month: solid {} and hatched {}; the number is above each bar.",
    ],
    chart_table => ["Tallene i diagrammet", "Tallene i diagrammet", "The chart's numbers"],
    month => ["Måned", "Måned", "Month"],
    compared_with => ["{} i fjor", "{} sidste år", "{} last year"],
    peers_active => ["Aktive likepersoner", "Aktive peer-støttegivere", "Active peers"],
    peers_active_help => ["med minst én kontakt i år", "med mindst én kontakt i år", "with at least one contact this year"],
    signed_current => ["Har signert gjeldende erklæring", "Har underskrevet den gældende erklæring", "Signed the current declaration"],
    active_with_declaration => ["Aktive med signert erklæring", "Aktive med underskrevet erklæring", "Active with a signed declaration"],
    last_sync => ["Siste synkronisering", "Seneste synkronisering", "Last sync"],
    never => ["aldri", "aldrig", "never"],
    needs_attention => ["Trenger oppmerksomhet", "Kræver opmærksomhed", "Needs attention"],
    nothing_needs_attention => ["Ingenting venter på deg.", "Intet venter på dig.", "Nothing is waiting for you."],
    expenses_waiting => ["{} utgifter venter på avgjørelse", "{} udgifter venter på afgørelse", "{} expenses waiting for a decision"],
    peers_must_sign => ["{} likepersoner må signere gjeldende erklæring", "{} peer-støttegivere skal underskrive den gældende erklæring", "{} peers must sign the current declaration"],
    devices_not_seen => ["{} enheter ikke sett på {} dager", "{} enheder ikke set i {} dage", "{} devices not seen for {} days"],
    records_incomplete => ["Serveren har ikke gitt denne maskinen alt {} likepersoner har skrevet: tallene deres kan være for lave. Synkroniser igjen; hvis det blir stående, kontakt den som drifter serveren.", "Serveren har ikke givet denne maskine alt, hvad {} peer-støttegivere har skrevet: deres tal kan være for lave. Synkronisér igen; bliver det stående, så kontakt den, der driver serveren.", "The server has not given this machine everything {} peers wrote: their figures may be too low. Sync again; if this stays, contact whoever runs the server."],
    sync_now => ["Synkroniser nå", "Synkronisér nu", "Sync now"],
    sync_running => ["Synkroniserer …", "Synkroniserer …", "Syncing …"],
    sync_done => ["Synkronisert: {} sendt, {} mottatt.", "Synkroniseret: {} sendt, {} modtaget.", "Synced: {} sent, {} received."],
    sync_failed => ["Synkroniseringen mislyktes: {}", "Synkroniseringen mislykkedes: {}", "The sync failed: {}"],
    phase_login => ["logger inn", "logger ind", "signing in"],
    phase_push => ["sender", "sender", "sending"],
    phase_pull => ["henter", "henter", "fetching"],
    phase_apply => ["lagrer", "gemmer", "saving"],
    offline_notice => [
        "Serveren svarte ikke; dette er det maskinen visste ved siste synkronisering.",
        "Serveren svarede ikke; dette er, hvad maskinen vidste ved seneste synkronisering.",
        "The server did not answer; this is what this machine knew at its last sync.",
    ],
    peers_title => ["Likepersoner", "Peer-støttegivere", "Peers"],
    name => ["Navn", "Navn", "Name"],
    no_name_yet => ["(ikke signert ennå)", "(ikke underskrevet endnu)", "(not signed yet)"],
    declaration_col => ["Erklæring", "Erklæring", "Declaration"],
    version_signed => ["versjon {} signert", "version {} underskrevet", "version {} signed"],
    version_old => ["versjon {}: må signere på nytt", "version {}: skal underskrive igen", "version {}: must sign again"],
    not_signed => ["ikke signert", "ikke underskrevet", "not signed"],
    holds_keys => ["koordinator (har kapittelnøklene)", "koordinator (har afdelingens nøgler)", "coordinator (holds the chapter keys)"],
    devices => ["Enheter", "Enheder", "Devices"],
    days_this_year => ["Aktivitetsdager {}", "Aktivitetsdage {}", "Activity-days {}"],
    no_peers => ["Ingen likepersoner ennå. Inviter den første.", "Ingen peer-støttegivere endnu. Invitér den første.", "No peers yet. Invite the first one."],
    peer_title => ["Likeperson: {}", "Peer-støttegiver: {}", "Peer: {}"],
    contacts_by_month => ["Kontakter per måned", "Kontakter pr. måned", "Contacts by month"],
    no_contacts => ["Ingen kontakter dette året.", "Ingen kontakter i dette år.", "No contacts this year."],
    date => ["Dato", "Dato", "Date"],
    kind => ["Type", "Type", "Kind"],
    minutes => ["Minutter", "Minutter", "Minutes"],
    participants => ["Deltakere", "Deltagere", "Participants"],
    counts => ["Teller?", "Tæller?", "Counts?"],
    yes_as => ["ja: {}", "ja: {}", "yes: {}"],
    private_never_shown => [
        "Private referanser og notater er kryptert for likepersonen alene og vises aldri her.",
        "Private referencer og noter er krypteret til peer-støttegiveren alene og vises aldrig her.",
        "Private references and notes are encrypted for the peer alone and are never shown here.",
    ],
    device => ["Enhet", "Enhed", "Device"],
    enrolled => ["Registrert", "Registreret", "Enrolled"],
    last_seen => ["Sist sett", "Senest set", "Last seen"],
    revoked => ["Tilbakekalt {}", "Tilbagekaldt {}", "Revoked {}"],
    revoke => ["Tilbakekall enheten", "Tilbagekald enheden", "Revoke device"],
    revoke_title => ["Tilbakekalle enheten?", "Tilbagekalde enheden?", "Revoke this device?"],
    revoke_explain => [
        "Enheten {} blir avvist fra nå av og sletter dataene sine neste gang den kobler til. Det kan ikke angres. Likepersonen kan gjenopprette på en ny enhet med gjenopprettingskoden.",
        "Enheden {} bliver afvist fra nu af og sletter sine data, næste gang den forbinder. Det kan ikke fortrydes. Peer-støttegiveren kan gendanne på en ny enhed med gendannelseskoden.",
        "Device {} is refused from now on and erases its data the next time it connects. This cannot be undone. The peer can recover on a new device with their recovery code.",
    ],
    revoke_confirm => ["Ja, tilbakekall enheten", "Ja, tilbagekald enheden", "Yes, revoke the device"],
    cancel => ["Avbryt", "Annullér", "Cancel"],
    revoked_done => ["Enheten er tilbakekalt.", "Enheden er tilbagekaldt.", "The device is revoked."],
    revoked_already => ["Enheten var allerede tilbakekalt.", "Enheden var allerede tilbagekaldt.", "The device was already revoked."],
    invite_title => ["Inviter en likeperson", "Invitér en peer-støttegiver", "Invite a peer"],
    invite_help => [
        "Likepersonen skanner koden i appen, eller limer inn teksten. Invitasjonen kan brukes én gang.",
        "Peer-støttegiveren scanner koden i appen eller indsætter teksten. Invitationen kan bruges én gang.",
        "The peer scans the code in the app, or pastes the text. The invitation can be used once.",
    ],
    valid_days => ["Gyldig i dager ({}–{})", "Gyldig i dage ({}–{})", "Valid for days ({}–{})"],
    valid_days_error => ["Skriv et helt tall fra {} til {}.", "Skriv et helt tal fra {} til {}.", "Enter a whole number from {} to {}."],
    create_invitation => ["Lag invitasjon", "Opret invitation", "Create invitation"],
    invitation => ["Invitasjon", "Invitation", "Invitation"],
    invitation_qr => ["QR-kode for invitasjonen", "QR-kode til invitationen", "QR code of the invitation"],
    invitation_text => ["Invitasjonen som tekst", "Invitationen som tekst", "The invitation as text"],
    copy => ["Kopier", "Kopiér", "Copy"],
    copied => ["Kopiert.", "Kopieret.", "Copied."],
    expires => ["Gyldig til {}", "Gyldig til {}", "Valid until {}"],
    open_invitations => ["Åpne invitasjoner", "Åbne invitationer", "Open invitations"],
    open_invitations_help => [
        "Invitasjoner laget på denne maskinen som ikke er utløpt. En brukt invitasjon står her til den utløper.",
        "Invitationer oprettet på denne maskine, som ikke er udløbet. En brugt invitation står her, til den udløber.",
        "Invitations made on this machine that have not expired. A used one stays listed until it expires.",
    ],
    no_open_invitations => ["Ingen åpne invitasjoner.", "Ingen åbne invitationer.", "No open invitations."],
    show_qr => ["Vis QR-kode", "Vis QR-kode", "Show QR code"],
    invitation_made => ["Invitasjonen er laget.", "Invitationen er oprettet.", "The invitation is made."],
    expenses_title => ["Utgifter", "Udgifter", "Expenses"],
    waiting => ["Venter på avgjørelse", "Venter på afgørelse", "Waiting for a decision"],
    decided => ["Avgjort", "Afgjort", "Decided"],
    nothing_waiting => ["Ingen utgifter venter.", "Ingen udgifter venter.", "No expenses are waiting."],
    nothing_decided => ["Ingen avgjorte utgifter ennå.", "Ingen afgjorte udgifter endnu.", "No decided expenses yet."],
    peer => ["Likeperson", "Peer-støttegiver", "Peer"],
    amount => ["Beløp", "Beløb", "Amount"],
    description => ["Beskrivelse", "Beskrivelse", "Description"],
    receipt => ["Kvittering", "Kvittering", "Receipt"],
    receipt_of => ["Kvittering for {}", "Kvittering for {}", "Receipt for {}"],
    open_receipt => ["Åpne kvitteringen ({})", "Åbn kvitteringen ({})", "Open the receipt ({})"],
    no_receipt => ["ingen kvittering", "ingen kvittering", "no receipt"],
    approve => ["Godkjenn", "Godkend", "Approve"],
    reject => ["Avvis", "Afvis", "Reject"],
    reason => ["Begrunnelse (kreves for å avvise)", "Begrundelse (kræves for at afvise)", "Reason (needed to reject)"],
    status => ["Status", "Status", "Status"],
    decision_reason => ["Begrunnelse", "Begrundelse", "Reason"],
    decided_approved => ["Utgiften er godkjent; likepersonen ser det etter at dere begge har synkronisert.", "Udgiften er godkendt; peer-støttegiveren ser det, når I begge har synkroniseret.", "The expense is approved; the peer sees it after both of you sync."],
    decided_rejected => ["Utgiften er avvist; likepersonen ser det etter at dere begge har synkronisert.", "Udgiften er afvist; peer-støttegiveren ser det, når I begge har synkroniseret.", "The expense is rejected; the peer sees it after both of you sync."],
    declaration_title => ["Taushetserklæring", "Tavshedserklæring", "Confidentiality declaration"],
    current_version => ["Gjeldende versjon {}, publisert {}", "Gældende version {}, offentliggjort {}", "Current version {}, published {}"],
    none_published => [
        "Kapittelet har ikke publisert en egen erklæring; likepersonene signerer den innebygde.",
        "Afdelingen har ikke offentliggjort sin egen erklæring; peer-støttegiverne underskriver den indbyggede.",
        "The chapter has not published its own declaration; peers sign the built-in one.",
    ],
    who_signed => ["Hvem har signert hvilken versjon", "Hvem har underskrevet hvilken version", "Who signed which version"],
    version => ["Versjon", "Version", "Version"],
    publish_new => ["Publiser en ny versjon", "Offentliggør en ny version", "Publish a new version"],
    publish_help => [
        "Skriv teksten (Markdown) eller velg en fil. Alle likepersoner må signere den nye versjonen før de kan registrere igjen.",
        "Skriv teksten (Markdown) eller vælg en fil. Alle peer-støttegivere skal underskrive den nye version, før de kan registrere igen.",
        "Write the text (Markdown) or choose a file. Every peer must sign the new version before they can log again.",
    ],
    language => ["Språk", "Sprog", "Language"],
    text => ["Tekst (Markdown)", "Tekst (Markdown)", "Text (Markdown)"],
    markdown_file => ["… eller en Markdown-fil", "… eller en Markdown-fil", "… or a Markdown file"],
    preview => ["Forhåndsvis", "Forhåndsvis", "Preview"],
    preview_title => ["Forhåndsvisning", "Forhåndsvisning", "Preview"],
    preview_help => [
        "Slik ser likepersonene teksten. Publiser den, eller gå tilbake og endre den.",
        "Sådan ser peer-støttegiverne teksten. Offentliggør den, eller gå tilbage og ret den.",
        "This is how peers will see the text. Publish it, or go back and change it.",
    ],
    publish => ["Publiser", "Offentliggør", "Publish"],
    edit => ["Endre", "Ret", "Change"],
    file_not_text => ["Filen er ikke tekst (UTF-8).", "Filen er ikke tekst (UTF-8).", "The file is not text (UTF-8)."],
    published_done => ["Versjon {} er publisert; likepersonene må signere den.", "Version {} er offentliggjort; peer-støttegiverne skal underskrive den.", "Version {} is published; peers must sign it."],
    report_title => ["Rapport {}", "Rapport {}", "Report {}"],
    per_peer => ["Per likeperson", "Pr. peer-støttegiver", "Per peer"],
    downloads => ["Last ned", "Hent", "Download"],
    download_as => ["Rapporten som {}", "Rapporten som {}", "The report as {}"],
    signed_reports => ["Signerte årsrapporter", "Underskrevne årsrapporter", "Signed yearly reports"],
    signed_reports_help => [
        "Hver likeperson signerer sin årsoversikt; den stemmer når signaturen er gyldig og tallene er de samme som her.",
        "Hver peer-støttegiver underskriver sit årsoverblik; det stemmer, når signaturen er gyldig, og tallene er de samme som her.",
        "Each peer signs their yearly overview; it verifies when the signature is valid and the figures equal the ones here.",
    ],
    report_verifies => ["signert, stemmer", "underskrevet, stemmer", "signed, verifies"],
    report_fails => ["signert, STEMMER IKKE", "underskrevet, STEMMER IKKE", "signed, DOES NOT VERIFY"],
    report_missing => ["ikke signert", "ikke underskrevet", "not signed"],
    rules => ["Regler: {}", "Regler: {}", "Rules: {}"],
    nav_training => ["Kurs", "Kursus", "Training"],
    training_title => ["Likepersonskurs og sertifisering", "Peer-kursus og certificering", "Peer course and certification"],
    training_help => [
        "Registrer når en likeperson har fullført organisasjonens likepersonskurs. Likepersonen ser det i appen og blir minnet på det før sertifikatet går ut.",
        "Registrér, når en peer-støttegiver har gennemført organisationens peer-kursus. Peer-støttegiveren ser det i appen og bliver mindet om det, før certifikatet udløber.",
        "Record when a peer has completed the organisation's peer course. The peer sees it in the app and is reminded before the certificate expires.",
    ],
    no_courses => ["Ingen kurs registrert ennå.", "Ingen kurser registreret endnu.", "No courses recorded yet."],
    course => ["Kurs", "Kursus", "Course"],
    course_date => ["Kursdato", "Kursusdato", "Course date"],
    valid_until => ["Gyldig til", "Gyldig til", "Valid until"],
    no_expiry => ["uten utløpsdato", "uden udløbsdato", "no expiry"],
    add_course => ["Registrer kurs", "Registrér kursus", "Record course"],
    course_recorded => [
        "Kurset er registrert. Likepersonen ser det etter at dere begge har synkronisert.",
        "Kurset er registreret. Peer-støttegiveren ser det, når I begge har synkroniseret.",
        "Course recorded. The peer sees it after both of you sync.",
    ],
    choose_peer => ["Velg en likeperson i lokallaget.", "Vælg en peer-støttegiver i lokalafdelingen.", "Choose a peer of the chapter."],
    chapter_settings => ["Lokallagets innstillinger", "Lokalafdelingens indstillinger", "Chapter settings"],
    themes_switch => [
        "Spør om recovery-temaer (CHIME) etter hver samtale",
        "Spørg om recovery-temaer (CHIME) efter hver samtale",
        "Ask about recovery themes (CHIME) after each contact",
    ],
    flag_uncertified_switch => [
        "Merk samtaler logget av likepersoner uten gyldig sertifikat i rapporten (de telles likevel)",
        "Markér samtaler logget af peer-støttegivere uden gyldigt certifikat i rapporten (de tælles stadig)",
        "Flag contacts logged by peers without a valid certificate in the report (they still count)",
    ],
    save_settings => ["Lagre innstillinger", "Gem indstillinger", "Save settings"],
    themes_title => ["Recovery-temaer (CHIME)", "Recovery-temaer (CHIME)", "Recovery themes (CHIME)"],
    themes_help => [
        "Antall samtaler i året som var innom hvert tema, summert over likepersonene. Hvilke temaer én samtale var innom, ser bare likepersonen.",
        "Antal samtaler i året, der kom ind på hvert tema, lagt sammen for peer-støttegiverne. Hvilke temaer én samtale kom ind på, ser kun peer-støttegiveren.",
        "Contacts in the year that touched each theme, summed over the peers. Which themes a single contact touched only the peer sees.",
    ],
    themes_none_yet => [
        "Ingen likeperson har sendt temaer for dette året ennå.",
        "Ingen peer-støttegiver har sendt temaer for dette år endnu.",
        "No peer has sent themes for this year yet.",
    ],
    settings_saved => [
        "Innstillingene er lagret. Likepersonene får dem ved neste synkronisering.",
        "Indstillingerne er gemt. Peer-støttegiverne får dem ved næste synkronisering.",
        "Settings saved. Peers get them at the next sync.",
    ],
    certified_col => ["Sertifisert", "Certificeret", "Certified"],
    yes => ["ja", "ja", "yes"],
    no => ["nei", "nej", "no"],
    debriefs_title => ["Jeg trenger å snakke", "Jeg har brug for at tale", "I need to talk"],
    debriefs_help => [
        "Likepersoner som ber om en samtale. De sier ikke hvem det gjelder; ta kontakt og merk forespørselen som fulgt opp.",
        "Peer-støttegivere, der beder om en samtale. De siger ikke, hvem det drejer sig om; tag kontakt, og markér anmodningen som fulgt op.",
        "Peers asking for a talk. They do not say who it is about; get in touch and mark the request as followed up.",
    ],
    debriefs_none => ["Ingen åpne forespørsler.", "Ingen åbne anmodninger.", "No open requests."],
    debrief_when => ["Når", "Hvornår", "When"],
    debrief_asked => ["Spurt", "Spurgt", "Asked"],
    debrief_message => ["Melding", "Besked", "Message"],
    debrief_mark_done => ["Merk som fulgt opp", "Markér som fulgt op", "Mark as followed up"],
    debrief_marked => [
        "Merket som fulgt opp; likepersonen ser det når dere begge har synkronisert.",
        "Markeret som fulgt op; peer-støttegiveren ser det, når I begge har synkroniseret.",
        "Marked as followed up; the peer sees it after both of you sync.",
    ],
    rollup_title => ["Til organisasjonen", "Til organisationen", "To the organisation"],
    rollup_help => [
        "Send årets tall til organisasjonen for den samlede søknaden: bare antall, signert med lokallagets nøkkel, ingen navn. Tallene er de på denne siden (fra siste synkronisering); sender du igjen, erstattes de.",
        "Send årets tal til organisationen til den samlede ansøgning: kun antal, underskrevet med lokalafdelingens nøgle, ingen navne. Tallene er dem på denne side (fra seneste synkronisering); sender du igen, erstattes de.",
        "Send the year's figures to the organisation for its one grant application: counts only, signed with the chapter key, no names. They are the figures on this page (as of the last sync); sending again replaces them.",
    ],
    rollup_button => ["Send {} til organisasjonen", "Send {} til organisationen", "Submit {} to the organisation"],
    rollup_submitted => [
        "{} er sendt til organisasjonen: {} aktivitetsdager.",
        "{} er sendt til organisationen: {} aktivitetsdage.",
        "{} submitted to the organisation: {} activity-days.",
    ],
    rollup_replaced => [
        "{} er sendt til organisasjonen på nytt og erstatter det forrige: {} aktivitetsdager.",
        "{} er sendt til organisationen igen og erstatter den forrige: {} aktivitetsdage.",
        "{} submitted to the organisation again, replacing the earlier submission: {} activity-days.",
    ],
    rollup_bad_year => [
        "Velg et år mellom 2000 og 2100.",
        "Vælg et år mellem 2000 og 2100.",
        "Choose a year between 2000 and 2100.",
    ],
}

/// `text` with each `{}` replaced by the next of `args`.
pub fn fill(text: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut args = args.iter();
    let mut rest = text;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        out.push_str(args.next().copied().unwrap_or_default());
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// Month names, for the chart and the tables.
pub fn month_name(locale: Locale, month: u32) -> &'static str {
    const NB: [&str; 12] = [
        "jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des",
    ];
    const DA: [&str; 12] = [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let i = (month.clamp(1, 12) - 1) as usize;
    match locale {
        Locale::Nb => NB[i],
        Locale::Da => DA[i],
        Locale::En => EN[i],
    }
}

/// The language of the console when none is asked for: from the environment's `LANG`
/// (`nb`, `nn`, `no` → bokmål; `da` → Danish), else English.
pub fn locale_from_env(lang: Option<&str>) -> Locale {
    let l = lang.unwrap_or_default().to_ascii_lowercase();
    if l.starts_with("nb") || l.starts_with("nn") || l.starts_with("no") {
        Locale::Nb
    } else if l.starts_with("da") {
        Locale::Da
    } else {
        Locale::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_all_three_languages_with_the_same_placeholders() {
        let mut keys = std::collections::HashSet::new();
        for (key, texts) in ALL {
            assert!(keys.insert(*key), "{key} twice");
            for t in texts {
                assert!(!t.trim().is_empty(), "{key} is empty in one language");
            }
            let holes: Vec<usize> = texts.iter().map(|t| t.matches("{}").count()).collect();
            assert!(
                holes.iter().all(|h| *h == holes[0]),
                "{key}: placeholders differ {holes:?}"
            );
        }
        // Norwegian and Danish are not left in English.
        let english = ALL.iter().filter(|(_, t)| t[0] == t[2] && t[1] == t[2]);
        let allowed = ["status", "copy"];
        for (key, t) in english {
            assert!(
                allowed.contains(key) || t[2].chars().count() <= 8,
                "{key} is the same in every language: {}",
                t[2]
            );
        }
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        assert_eq!(
            fill("Synced: {} sent, {} received.", &["3", "4"]),
            "Synced: 3 sent, 4 received."
        );
        assert_eq!(fill("no holes", &["x"]), "no holes");
        assert_eq!(fill("{} and {}", &["a"]), "a and ");
    }

    #[test]
    fn the_language_follows_the_environment() {
        assert_eq!(locale_from_env(Some("nb_NO.UTF-8")), Locale::Nb);
        assert_eq!(locale_from_env(Some("nn_NO")), Locale::Nb);
        assert_eq!(locale_from_env(Some("da_DK.UTF-8")), Locale::Da);
        assert_eq!(locale_from_env(Some("C.UTF-8")), Locale::En);
        assert_eq!(locale_from_env(None), Locale::En);
    }
}
