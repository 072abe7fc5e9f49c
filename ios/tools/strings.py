"""The app's user-visible strings in en, nb and da: the source of
ios/PeerlogApp/Resources/Localizable.xcstrings and InfoPlist.xcstrings.

Run `python3 ios/tools/strings.py` after editing; it rewrites both catalogs and fails if a key
used in ios/PeerlogApp/Sources is missing here, or a key here is used nowhere.
"""
import json
import pathlib
import re
import sys

# key: (en, nb, da)
STRINGS = {
    "app.starting": ("Opening…", "Åpner …", "Åbner …"),
    "tab.home": ("Home", "Hjem", "Hjem"),
    "tab.history": ("History", "Historikk", "Historik"),
    "tab.report": ("Report", "Rapport", "Rapport"),
    "tab.settings": ("Settings", "Innstillinger", "Indstillinger"),
    "wiped.title": ("This device was removed", "Denne enheten er fjernet", "Denne enhed er fjernet"),
    "wiped.startAgain": ("Start again", "Start på nytt", "Start forfra"),
    "failed.title": ("Peerlog could not start", "Peerlog kunne ikke starte", "Peerlog kunne ikke starte"),
    "failed.retry": ("Try again", "Prøv igjen", "Prøv igen"),
    "common.cancel": ("Cancel", "Avbryt", "Annuller"),
    "common.delete": ("Delete", "Slett", "Slet"),
    "common.done": ("Done", "Ferdig", "Færdig"),
    "common.edit": ("Edit", "Rediger", "Rediger"),
    "common.save": ("Save", "Lagre", "Gem"),
    "common.yes": ("Yes", "Ja", "Ja"),
    "common.no": ("No", "Nei", "Nej"),
    # Onboarding
    "onboarding.title": ("Welcome to Peerlog", "Velkommen til Peerlog", "Velkommen til Peerlog"),
    "onboarding.intro": (
        "Log your peer-support work, also without a signal. Everything you write is encrypted on this phone.",
        "Før likepersonsarbeidet ditt, også uten dekning. Alt du skriver, krypteres på denne telefonen.",
        "Registrér dit arbejde som peer-støttegiver, også uden dækning. Alt, du skriver, krypteres på denne telefon.",
    ),
    "onboarding.name": ("Full name", "Fullt navn", "Fulde navn"),
    "onboarding.name.header": ("Your name", "Navnet ditt", "Dit navn"),
    "onboarding.join.header": ("Join your chapter", "Bli med i laget ditt", "Tilslut dig din afdeling"),
    "onboarding.invitation": ("Invitation (peerlog1:…)", "Invitasjon (peerlog1:…)", "Invitation (peerlog1:…)"),
    "onboarding.scan": ("Scan QR code", "Skann QR-kode", "Scan QR-kode"),
    "onboarding.scan.denied": (
        "Peerlog may not use the camera. Allow it in Settings → Peerlog → Camera, or paste the invitation.",
        "Peerlog har ikke tilgang til kameraet. Gi tilgang i Innstillinger → Peerlog → Kamera, eller lim inn invitasjonen.",
        "Peerlog har ikke adgang til kameraet. Giv adgang i Indstillinger → Peerlog → Kamera, eller indsæt invitationen.",
    ),
    "onboarding.join": ("Join", "Bli med", "Tilslut"),
    "onboarding.join.footer": (
        "Your coordinator gives you the invitation as a QR code or a link.",
        "Koordinatoren din gir deg invitasjonen som QR-kode eller lenke.",
        "Din koordinator giver dig invitationen som QR-kode eller link.",
    ),
    "onboarding.offline.header": ("Start without a chapter", "Start uten lag", "Start uden afdeling"),
    "onboarding.ruleSet": ("Reporting rules", "Rapporteringsregler", "Rapporteringsregler"),
    "onboarding.offline": ("Start offline", "Start uten nett", "Start offline"),
    "onboarding.offline.footer": (
        "You can join a chapter later; what you logged is kept.",
        "Du kan bli med i et lag senere; det du har ført, beholdes.",
        "Du kan tilslutte dig en afdeling senere; det, du har registreret, bevares.",
    ),
    "onboarding.recover.header": ("Move from another phone", "Flytt fra en annen telefon", "Flyt fra en anden telefon"),
    "onboarding.recover.server": ("Server address", "Serveradresse", "Serveradresse"),
    "onboarding.recover.code": ("Recovery code", "Gjenopprettingskode", "Gendannelseskode"),
    "onboarding.recover": ("Restore", "Gjenopprett", "Gendan"),
    "onboarding.recover.footer": (
        "For a peer who joined a chapter: your records come back from the server with your recovery code.",
        "For deg som er med i et lag: det du har ført, hentes tilbake fra serveren med gjenopprettingskoden.",
        "Hvis du er tilsluttet en afdeling: dine registreringer hentes tilbage fra serveren med din gendannelseskode.",
    ),
    "onboarding.restore.header": ("Restore from a backup file", "Gjenopprett fra en sikkerhetskopi", "Gendan fra en sikkerhedskopi"),
    "onboarding.restore.choose": ("Choose the backup file", "Velg sikkerhetskopien", "Vælg sikkerhedskopien"),
    "onboarding.restore.chooseAnother": ("Choose another file", "Velg en annen fil", "Vælg en anden fil"),
    "onboarding.restore": ("Restore backup", "Gjenopprett sikkerhetskopien", "Gendan sikkerhedskopien"),
    "onboarding.restore.footer": (
        "A backup saved in Peerlog on your old phone (Settings → Backup). It is encrypted: only your recovery code opens it.",
        "En sikkerhetskopi lagret i Peerlog på den gamle telefonen (Innstillinger → Sikkerhetskopi). Den er kryptert: bare gjenopprettingskoden åpner den.",
        "En sikkerhedskopi gemt i Peerlog på din gamle telefon (Indstillinger → Sikkerhedskopi). Den er krypteret: kun din gendannelseskode åbner den.",
    ),
    # Server certificate (self-hosted servers)
    "certificate.advanced": ("Advanced: own server certificate", "Avansert: eget serversertifikat", "Avanceret: eget servercertifikat"),
    "certificate.header": ("Server certificate", "Serversertifikat", "Servercertifikat"),
    "certificate.status": ("Own certificate authority", "Egen sertifikatutsteder", "Egen certifikatudsteder"),
    "certificate.set": ("Set", "Lagt inn", "Tilføjet"),
    "certificate.none": ("None", "Ingen", "Ingen"),
    "certificate.import": ("Import certificate (PEM/CRT)…", "Importer sertifikat (PEM/CRT) …", "Importér certifikat (PEM/CRT) …"),
    "certificate.replace": ("Replace certificate…", "Bytt sertifikat …", "Udskift certifikat …"),
    "certificate.imported": ("Certificate imported.", "Sertifikatet er importert.", "Certifikatet er importeret."),
    "certificate.remove": ("Remove certificate", "Fjern sertifikatet", "Fjern certifikatet"),
    "certificate.remove.confirm": (
        "Remove the certificate? Peerlog can then no longer reach a server that uses it.",
        "Fjerne sertifikatet? Da kan ikke Peerlog lenger nå en server som bruker det.",
        "Fjern certifikatet? Så kan Peerlog ikke længere nå en server, der bruger det.",
    ),
    "certificate.onboarding.footer": (
        "Only if your organisation runs its own server with its own certificate: import the certificate file it gave you before you join or move from another phone.",
        "Bare hvis organisasjonen din driver sin egen server med eget sertifikat: importer sertifikatfilen du har fått, før du blir med eller flytter fra en annen telefon.",
        "Kun hvis din organisation driver sin egen server med eget certifikat: importér den certifikatfil, du har fået, før du tilslutter dig eller flytter fra en anden telefon.",
    ),
    "certificate.settings.footer": (
        "Only for a server your organisation runs with its own certificate. Peerlog then trusts that certificate besides the usual ones.",
        "Bare for en server organisasjonen din driver med eget sertifikat. Peerlog stoler da på det sertifikatet i tillegg til de vanlige.",
        "Kun til en server, din organisation driver med eget certifikat. Peerlog stoler så på det certifikat ud over de sædvanlige.",
    ),
    # Backup
    "backup.header": ("Backup", "Sikkerhetskopi", "Sikkerhedskopi"),
    "backup.export": ("Save an encrypted backup…", "Lagre en kryptert sikkerhetskopi …", "Gem en krypteret sikkerhedskopi …"),
    "backup.saved": ("Backup saved.", "Sikkerhetskopien er lagret.", "Sikkerhedskopien er gemt."),
    "backup.footer": (
        "The backup holds everything on this phone, encrypted. Only your recovery code opens it, so keep the code safe and apart from the file. On a new phone, choose “Restore from a backup file”.",
        "Sikkerhetskopien inneholder alt på denne telefonen, kryptert. Bare gjenopprettingskoden åpner den, så ta vare på koden og hold den atskilt fra filen. På en ny telefon velger du «Gjenopprett fra en sikkerhetskopi».",
        "Sikkerhedskopien indeholder alt på denne telefon, krypteret. Kun din gendannelseskode åbner den, så pas på koden, og hold den adskilt fra filen. På en ny telefon vælger du »Gendan fra en sikkerhedskopi«.",
    ),
    # Joining a chapter later
    "join.title": ("Join a chapter", "Bli med i et lag", "Tilslut dig en afdeling"),
    "join.footer": (
        "What you have logged on this phone is kept and goes to the chapter with the next sync.",
        "Det du har ført på denne telefonen, beholdes og sendes til laget ved neste synkronisering.",
        "Det, du har registreret på denne telefon, bevares og sendes til afdelingen ved næste synkronisering.",
    ),
    # Recovery code
    "recovery.title": ("Your recovery code", "Gjenopprettingskoden din", "Din gendannelseskode"),
    "recovery.explanation": (
        "Write it down and keep it safe. You need it to move to a new phone; nobody else can recover your records.",
        "Skriv den ned og oppbevar den trygt. Du trenger den for å flytte til en ny telefon; ingen andre kan gjenopprette det du har ført.",
        "Skriv den ned, og opbevar den sikkert. Du skal bruge den for at flytte til en ny telefon; ingen andre kan gendanne dine registreringer.",
    ),
    "recovery.written": ("I have written it down", "Jeg har skrevet den ned", "Jeg har skrevet den ned"),
    # Declaration
    "declaration.title": ("Confidentiality declaration", "Taushetserklæring", "Tavshedserklæring"),
    "declaration.resign.banner": (
        "Your chapter has published a new version. Please read and sign it before you log again.",
        "Laget ditt har publisert en ny versjon. Les og signer den før du fører flere kontakter.",
        "Din afdeling har offentliggjort en ny version. Læs og underskriv den, før du registrerer igen.",
    ),
    "declaration.version %lld": ("Version %lld", "Versjon %lld", "Version %lld"),
    "declaration.name": ("Your full name", "Ditt fulle navn", "Dit fulde navn"),
    "declaration.accept": ("I have read and accept the declaration", "Jeg har lest og godtar erklæringen", "Jeg har læst og accepterer erklæringen"),
    "declaration.signature.header": ("Signature", "Signatur", "Underskrift"),
    "declaration.signature.footer": ("Sign with your finger in the box.", "Skriv under med fingeren i feltet.", "Skriv under med fingeren i feltet."),
    "declaration.signature.placeholder": ("Sign here", "Skriv under her", "Skriv under her"),
    "declaration.clearSignature": ("Clear signature", "Fjern signaturen", "Ryd underskriften"),
    "declaration.sign": ("Sign", "Signer", "Underskriv"),
    "declaration.later": ("Later", "Senere", "Senere"),
    # Home
    "home.title": ("Peerlog", "Peerlog", "Peerlog"),
    "home.declarationNeeded": ("Sign the new declaration", "Signer den nye erklæringen", "Underskriv den nye erklæring"),
    "home.logContact": ("Log contact", "Før kontakt", "Registrér kontakt"),
    "home.repeatLast": ("Repeat last", "Gjenta forrige", "Gentag seneste"),
    "home.thisYear %@": ("This year (%@)", "I år (%@)", "I år (%@)"),
    "home.activityDays": ("Activity-days", "Aktivitetsdager", "Aktivitetsdage"),
    "home.notCounted": ("Logged, not counted", "Ført, teller ikke", "Registreret, tæller ikke"),
    # Sync
    "sync.header": ("Sync", "Synkronisering", "Synkronisering"),
    "sync.offlineOnly": (
        "This device works offline only. Join a chapter to sync.",
        "Denne enheten brukes bare uten nett. Bli med i et lag for å synkronisere.",
        "Denne enhed bruges kun offline. Tilslut dig en afdeling for at synkronisere.",
    ),
    "sync.lastSync": ("Last sync", "Sist synkronisert", "Senest synkroniseret"),
    "sync.never": ("Never", "Aldri", "Aldrig"),
    "sync.now": ("Sync now", "Synkroniser nå", "Synkronisér nu"),
    "sync.pending": ("Not yet synced", "Ikke synkronisert ennå", "Endnu ikke synkroniseret"),
    "sync.phase.login": ("Signing in…", "Logger inn …", "Logger ind …"),
    "sync.phase.push": ("Sending…", "Sender …", "Sender …"),
    "sync.phase.pull": ("Receiving…", "Mottar …", "Modtager …"),
    "sync.phase.apply": ("Updating…", "Oppdaterer …", "Opdaterer …"),
    # Log contact
    "log.title": ("Log contact", "Før kontakt", "Registrér kontakt"),
    "log.editTitle": ("Edit contact", "Rediger kontakt", "Redigér kontakt"),
    "log.kind": ("Kind", "Type", "Type"),
    "log.date": ("Date", "Dato", "Dato"),
    "log.minutes": ("Duration", "Varighet", "Varighed"),
    "log.minutes.value %lld": ("%lld min", "%lld min", "%lld min"),
    "log.participants": ("Participants", "Deltakere", "Deltagere"),
    "log.ledByPeer": ("I led the group", "Jeg ledet gruppen", "Jeg ledede gruppen"),
    "log.who": ("With", "Med", "Med"),
    "log.place": ("Where", "Hvor", "Hvor"),
    "log.place.none": ("Not given", "Ikke oppgitt", "Ikke angivet"),
    "log.isNew": ("First contact", "Første kontakt", "Første kontakt"),
    "log.abroad": ("Abroad", "I utlandet", "I udlandet"),
    "log.private.header": ("Private", "Privat", "Privat"),
    "log.privateRef": ("Private reference (initials)", "Privat referanse (initialer)", "Privat reference (initialer)"),
    "log.privateNote": ("Private note", "Privat notat", "Privat note"),
    "log.sharedNote": ("Note for the coordinator", "Notat til koordinatoren", "Note til koordinatoren"),
    "log.private.footer": (
        "Never write the name of the person you helped. The reference and the private note are encrypted so that only you can read them.",
        "Skriv aldri navnet på den du hjalp. Referansen og det private notatet krypteres slik at bare du kan lese dem.",
        "Skriv aldrig navnet på den, du hjalp. Referencen og den private note krypteres, så kun du kan læse dem.",
    ),
    # History
    "history.title": ("History", "Historikk", "Historik"),
    "history.empty": ("No contacts yet", "Ingen kontakter ennå", "Ingen kontakter endnu"),
    "history.empty.description": (
        "Contacts you log appear here, by month.",
        "Kontakter du fører, vises her, per måned.",
        "Kontakter, du registrerer, vises her, pr. måned.",
    ),
    "history.notSynced": ("Not yet synced", "Ikke synkronisert ennå", "Endnu ikke synkroniseret"),
    "history.detail.title": ("Contact", "Kontakt", "Kontakt"),
    "history.delete.confirm": ("Delete this contact?", "Slette denne kontakten?", "Slet denne kontakt?"),
    "history.versions": ("Versions", "Versjoner", "Versioner"),
    "history.versions.footer": (
        "Every change and deletion is kept as a new version, on all your devices.",
        "Hver endring og sletting lagres som en ny versjon, på alle enhetene dine.",
        "Hver ændring og sletning gemmes som en ny version, på alle dine enheder.",
    ),
    "history.version.number %@": ("version %@", "versjon %@", "version %@"),
    "history.version.title %lld": ("Version %lld", "Versjon %lld", "Version %lld"),
    "history.version.readOnly": (
        "How the contact was at this version. Only the newest version can be changed.",
        "Slik var kontakten i denne versjonen. Bare den nyeste versjonen kan endres.",
        "Sådan var kontakten i denne version. Kun den nyeste version kan ændres.",
    ),
    # Report
    "report.title": ("Report", "Rapport", "Rapport"),
    "report.year": ("Year", "År", "År"),
    "report.counted": ("Counted", "Teller", "Tæller"),
    "report.byMonth": ("By month", "Per måned", "Pr. måned"),
    "report.byKind": ("By kind", "Per type", "Pr. type"),
    "report.byMonth.footer": ("Outreach · groups · courses", "Oppsøkende · grupper · kurs", "Opsøgende · grupper · kurser"),
    "report.notCounted": ("Not counted", "Teller ikke", "Tæller ikke"),
    "report.warnings": ("Check before signing", "Sjekk før du signerer", "Tjek før du underskriver"),
    "report.sign": ("Sign report", "Signer rapporten", "Underskriv rapporten"),
    "report.sign.footer": (
        "Your signed report lists the dates and kinds of your contacts, never who you met.",
        "Den signerte rapporten viser datoer og typer kontakter, aldri hvem du møtte.",
        "Den underskrevne rapport viser datoer og typer af kontakter, aldrig hvem du mødte.",
    ),
    "report.sign.confirm %@": ("Sign your report for %@?", "Signere rapporten for %@?", "Underskrive rapporten for %@?"),
    "report.share": ("Share signed report", "Del signert rapport", "Del underskrevet rapport"),
    # Expenses
    "tab.expenses": ("Expenses", "Utlegg", "Udlæg"),
    "expenses.title": ("Expenses", "Utlegg", "Udlæg"),
    "expenses.empty": ("No expenses", "Ingen utlegg", "Ingen udlæg"),
    "expenses.empty.description": (
        "Travel, tickets and phone costs you had as a peer are reimbursed. Add them here.",
        "Reise, billetter og telefonutgifter du har hatt som likeperson, dekkes. Legg dem inn her.",
        "Rejser, billetter og telefonudgifter, du har haft som peer-støttegiver, dækkes. Tilføj dem her.",
    ),
    "expense.add": ("Add expense", "Nytt utlegg", "Nyt udlæg"),
    "expense.submit": ("Submit", "Send inn", "Indsend"),
    "expense.kind": ("Kind", "Type", "Type"),
    "expense.km": ("Kilometres", "Kilometer", "Kilometer"),
    "expense.km.value %lld": ("%lld km", "%lld km", "%lld km"),
    "expense.amount": ("Amount", "Beløp", "Beløb"),
    "expense.description": ("What for (optional)", "Hva gjelder det (valgfritt)", "Hvad drejer det sig om (valgfrit)"),
    "expense.travel.footer %@": (
        "The amount is the distance times your organisation's rate (%@ per km).",
        "Beløpet er avstanden ganger organisasjonens sats (%@ per km).",
        "Beløbet er afstanden gange organisationens takst (%@ pr. km).",
    ),
    "expense.amount.placeholder": ("0.00", "0,00", "0,00"),
    "expense.amount.footer %@": (
        "Amount in %@, for example 149.50.",
        "Beløp i %@, for eksempel 149,50.",
        "Beløb i %@, for eksempel 149,50.",
    ),
    "expense.rate": ("Rate per km", "Sats per km", "Takst pr. km"),
    "expense.status": ("Status", "Status", "Status"),
    "expense.editTitle": ("Change expense", "Endre utlegg", "Ret udlæg"),
    "expense.detail.title": ("Expense", "Utlegg", "Udlæg"),
    "expense.submit.confirm": (
        "Send this expense to your coordinator? It can no longer be changed.",
        "Sende dette utlegget til koordinatoren? Det kan ikke endres etterpå.",
        "Send dette udlæg til din koordinator? Det kan ikke ændres bagefter.",
    ),
    "expense.submit.footer": (
        "A draft stays on this phone until you submit it; it goes to your coordinator with the next sync.",
        "Et utkast blir på denne telefonen til du sender det inn; det går til koordinatoren ved neste synkronisering.",
        "En kladde bliver på denne telefon, til du indsender den; den sendes til din koordinator ved næste synkronisering.",
    ),
    "expense.delete.confirm": ("Delete this draft?", "Slette dette utkastet?", "Slet denne kladde?"),
    "expense.receipt.replace.footer": (
        "A new photo replaces the stored receipt.",
        "Et nytt bilde erstatter den lagrede kvitteringen.",
        "Et nyt billede erstatter den gemte kvittering.",
    ),
    "expense.receipt.unreadable": (
        "This receipt cannot be shown on this phone.",
        "Denne kvitteringen kan ikke vises på denne telefonen.",
        "Denne kvittering kan ikke vises på denne telefon.",
    ),
    "expense.receipt": ("Receipt", "Kvittering", "Kvittering"),
    "expense.receipt.camera": ("Take a photo", "Ta bilde", "Tag et billede"),
    "expense.receipt.library": ("Choose a photo", "Velg bilde", "Vælg billede"),
    "expense.receipt.remove": ("Remove receipt", "Fjern kvitteringen", "Fjern kvitteringen"),
    # Settings
    "settings.title": ("Settings", "Innstillinger", "Indstillinger"),
    "settings.profile": ("Profile", "Profil", "Profil"),
    "settings.name": ("Name", "Navn", "Navn"),
    "settings.language": ("Language", "Språk", "Sprog"),
    "language.nb": ("Norsk bokmål", "Norsk bokmål", "Norsk bokmål"),
    "language.da": ("Dansk", "Dansk", "Dansk"),
    "language.en": ("English", "English", "English"),
    "settings.chapter.header": ("Chapter", "Lag", "Afdeling"),
    "settings.organisation": ("Organisation", "Organisasjon", "Organisation"),
    "settings.chapter": ("Chapter", "Lag", "Afdeling"),
    "settings.server": ("Server", "Server", "Server"),
    "settings.recoveryCode": ("Show recovery code", "Vis gjenopprettingskode", "Vis gendannelseskode"),
    "settings.recoveryCode.footer": (
        "You need the recovery code to move to a new phone.",
        "Du trenger gjenopprettingskoden for å flytte til en ny telefon.",
        "Du skal bruge gendannelseskoden for at flytte til en ny telefon.",
    ),
    "settings.recoveryCode.reason": (
        "Confirm that it is you before the recovery code is shown.",
        "Bekreft at det er deg før gjenopprettingskoden vises.",
        "Bekræft, at det er dig, før gendannelseskoden vises.",
    ),
    "settings.wipe": ("Erase Peerlog on this phone", "Slett Peerlog på denne telefonen", "Slet Peerlog på denne telefon"),
    "settings.wipe.footer": (
        "Removes your keys and all Peerlog data from this phone, for example before you hand it on.",
        "Fjerner nøklene dine og alle Peerlog-data fra denne telefonen, for eksempel før du gir den videre.",
        "Fjerner dine nøgler og alle Peerlog-data fra denne telefon, for eksempel før du giver den videre.",
    ),
    "settings.wipe.confirm": ("Erase everything on this phone?", "Slette alt på denne telefonen?", "Slette alt på denne telefon?"),
    "settings.wipe.message %lld": (
        "Records not yet synced: %lld. They will be lost.",
        "Oppføringer som ikke er synkronisert: %lld. De går tapt.",
        "Registreringer, der ikke er synkroniseret: %lld. De går tabt.",
    ),
    "settings.appLock": ("App lock", "Applås", "Applås"),
    "settings.appLock.footer": (
        "Ask for Face ID, Touch ID or the phone's code each time Peerlog is opened again.",
        "Be om Face ID, Touch ID eller telefonens kode hver gang Peerlog åpnes igjen.",
        "Bed om Face ID, Touch ID eller telefonens kode, hver gang Peerlog åbnes igen.",
    ),
    "lock.title": ("Peerlog is locked", "Peerlog er låst", "Peerlog er låst"),
    "lock.unlock": ("Unlock", "Lås opp", "Lås op"),
    "lock.reason": ("Unlock Peerlog", "Lås opp Peerlog", "Lås Peerlog op"),
    "settings.declaration.signed %lld": ("Signed, version %lld", "Signert, versjon %lld", "Underskrevet, version %lld"),
    "settings.declaration.export": ("Prepare a signed copy", "Lag en signert kopi", "Lav en underskrevet kopi"),
    "settings.declaration.share": ("Share the signed copy", "Del den signerte kopien", "Del den underskrevne kopi"),
    "settings.declaration.footer": (
        "A copy of your signed declaration that anyone can open and check, for example for your coordinator.",
        "En kopi av den signerte erklæringen som hvem som helst kan åpne og kontrollere, for eksempel for koordinatoren.",
        "En kopi af din underskrevne erklæring, som alle kan åbne og kontrollere, for eksempel til din koordinator.",
    ),
    "settings.coreVersion": ("Core version", "Kjerneversjon", "Kerneversion"),
}

INFO_PLIST = {
    "NSCameraUsageDescription": (
        "Peerlog uses the camera to scan your coordinator's invitation QR code and to photograph receipts.",
        "Peerlog bruker kameraet til å skanne QR-koden i invitasjonen fra koordinatoren og til å ta bilde av kvitteringer.",
        "Peerlog bruger kameraet til at scanne QR-koden i invitationen fra din koordinator og til at fotografere kvitteringer.",
    ),
    "NSPhotoLibraryUsageDescription": (
        "Peerlog lets you choose a photo of a receipt.",
        "Peerlog lar deg velge et bilde av en kvittering.",
        "Peerlog lader dig vælge et billede af en kvittering.",
    ),
    "NSFaceIDUsageDescription": (
        "Peerlog asks for Face ID to unlock the app (if you turn the app lock on) and before it shows your recovery code.",
        "Peerlog ber om Face ID for å låse opp appen (hvis du slår på applåsen) og før gjenopprettingskoden vises.",
        "Peerlog beder om Face ID for at låse appen op (hvis du slår applåsen til) og før din gendannelseskode vises.",
    ),
}

LANGUAGES = ("en", "nb", "da")
PREFIXES = ("app", "tab", "wiped", "failed", "onboarding", "recovery", "common", "declaration",
            "home", "sync", "log", "history", "report", "settings", "language", "who", "place",
            "category", "expense", "expenses", "lock", "certificate", "backup", "join")
# Interpolated string literals: the key SwiftUI looks up has a format specifier in their place.
INTERPOLATION = re.compile(r'\\\(([^"]*?)\)')


def catalog(strings):
    out = {"sourceLanguage": "en", "strings": {}, "version": "1.0"}
    for key in sorted(strings):
        values = strings[key]
        assert len(values) == len(LANGUAGES) and all(values), key
        out["strings"][key] = {
            "localizations": {
                lang: {"stringUnit": {"state": "translated", "value": value}}
                for lang, value in zip(LANGUAGES, values)
            },
        }
    return json.dumps(out, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def keys_in_sources(sources):
    found = set()
    literal = re.compile(r'"([a-z][A-Za-z]*(?:\.[A-Za-z]+)+)((?: \\\([^"]*?\))*)"')
    for path in sorted(sources.glob("**/*.swift")):
        text = path.read_text(encoding="utf-8")
        for match in literal.finditer(text):
            key, interpolations = match.groups()
            if key.split(".")[0] not in PREFIXES:
                continue
            if re.search(r"system(Name|Image):\s*$", text[max(0, match.start() - 20):match.start()]):
                continue  # an SF Symbol name, not a string key
            for expr in INTERPOLATION.findall(interpolations):
                key += " %@" if expr.startswith("String(") else " %lld"
            found.add(key)
    return found


def main():
    app = pathlib.Path(__file__).resolve().parent.parent / "PeerlogApp"
    used = keys_in_sources(app / "Sources")
    missing = sorted(used - STRINGS.keys())
    unused = sorted(STRINGS.keys() - used)
    if missing or unused:
        for key in missing:
            print(f"missing from strings.py: {key}", file=sys.stderr)
        for key in unused:
            print(f"not used in PeerlogApp/Sources: {key}", file=sys.stderr)
        sys.exit(1)
    resources = app / "Resources"
    (resources / "Localizable.xcstrings").write_text(catalog(STRINGS), encoding="utf-8")
    (resources / "InfoPlist.xcstrings").write_text(catalog(INFO_PLIST), encoding="utf-8")
    print(f"{len(STRINGS)} strings + {len(INFO_PLIST)} Info.plist strings in {', '.join(LANGUAGES)}")


if __name__ == "__main__":
    main()
