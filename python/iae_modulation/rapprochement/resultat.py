"""Ce que le rapprochement a lu et trouvé : par grand livre, les structures et montants du grand
livre, des décisions payables et des lettres, par département et mesure ; les écarts ; ce qui a
été fait de chaque document ; les grands livres sans aucun document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.formats import montant_fr
from iae_modulation.referentiel import departements

CODE_CONCORDANT = 0
CODE_ECARTS = 3
NOM_RAPPROCHEMENT = "rapprochement.xlsx"
SANS_DOCUMENT = (
    "aucune décision ni lettre n'en est tirée (simulation ou méthode non retenue) : "
    "non rapproché, ce n'est pas un écart"
)


@dataclass(frozen=True)
class Ecart:
    """Une discordance : la structure (ou le document), et ce qui ne va pas."""

    departement: str
    mesure: str
    identifiant: str
    probleme: str


@dataclass
class Compte:
    """Structures et montant d'une source, pour un département et une mesure."""

    structures: int = 0
    montant: Decimal = Decimal(0)

    def ajouter(self, montant: Decimal) -> None:
        self.structures += 1
        self.montant += montant


@dataclass(frozen=True)
class DocumentLu:
    """Un document, le grand livre dont il relève, et ce que le rapprochement en a fait."""

    document: str
    grand_livre: str
    traitement: str
    a_dire: bool = True  # dit dans le résumé (sinon : seulement dans la feuille « Documents »)


@dataclass
class Envoi:
    """Un fichier à envoyer (ou à archiver), son destinataire, s'il est signé, son numéro ou sa
    référence (bordereau `a_envoyer`)."""

    chemin: Path
    destinataire: str
    signe: bool | None  # None : sans objet (grand livre, manifeste…)
    reference: str = ""
    remarque: str = ""
    joint_a: Path | None = None  # le tableau annexé : sa décision


@dataclass
class Campagne:
    """Un grand livre et les documents qui en sont tirés, comptés par (département, mesure)."""

    grand_livre: Path
    empreinte: str
    annee: int
    mention: str = ""  # grand livre modifié après le calcul : dit sur chaque page du rapport
    livre: dict[tuple[str, str], Compte] = field(default_factory=dict)
    decisions: dict[tuple[str, str], Compte] = field(default_factory=dict)
    lettres: dict[tuple[str, str], Compte] = field(default_factory=dict)

    libelle: str = ""  # chemin relatif au dossier de campagne

    @property
    def nom(self) -> str:
        """Le grand livre tel que le rapport le nomme : chemin et début de l'empreinte."""
        return f"{self.libelle or self.grand_livre} (empreinte {self.empreinte[:12]}…)"

    def cles(self) -> list[tuple[str, str]]:
        rang = {code: n for n, code in enumerate(departements())}
        toutes = set(self.livre) | set(self.decisions) | set(self.lettres)
        return sorted(toutes, key=lambda c: (rang.get(c[0], 999), c[0], c[1]))

    def totaux(self) -> list[tuple[int, Decimal]]:
        """(structures, montant) du grand livre, des décisions et des lettres."""
        return [
            (
                sum(c.structures for c in source.values()),
                sum((c.montant for c in source.values()), Decimal(0)),
            )
            for source in (self.livre, self.decisions, self.lettres)
        ]

    def tableau(self) -> list[str]:
        """Le tableau par département et mesure, en texte."""
        lignes = [
            f"{'Dép.':<5} {'Mesure':<6} {'grand livre':>24} {'décisions ASP':>24} {'lettres':>24}"
        ]
        for cle in self.cles():
            cellules = []
            for source in (self.livre, self.decisions, self.lettres):
                compte = source.get(cle, Compte())
                cellules.append(f"{compte.structures:>3} · {montant_fr(compte.montant):>18}")
            lignes.append(f"{cle[0]:<5} {cle[1]:<6} " + " ".join(f"{c:>24}" for c in cellules))
        totaux = " ".join(f"{montant_fr(m):>24}" for _, m in self.totaux())
        return [*lignes, f"{'Total':<12} {totaux}"]


@dataclass
class Rapprochement:
    """Le rapprochement d'un dossier de campagne ; `code_sortie` 0 (concordant) ou 3 (écarts)."""

    dossier: Path
    campagnes: list[Campagne] = field(default_factory=list)
    sans_document: list[Path] = field(default_factory=list)  # grands livres non retenus
    ecarts: list[Ecart] = field(default_factory=list)
    documents: list[DocumentLu] = field(default_factory=list)
    registre: list = field(default_factory=list)  # `actes.LigneRegistre`
    envois: list[Envoi] = field(default_factory=list)
    rapport: Path | None = None
    bordereau: list[Path] = field(default_factory=list)

    @property
    def code_sortie(self) -> int:
        return CODE_ECARTS if self.ecarts else CODE_CONCORDANT

    @property
    def annee(self) -> int | str:
        """L'année de la campagne (celles des grands livres rapprochés s'il y en a plusieurs)."""
        annees = sorted({c.annee for c in self.campagnes})
        return annees[0] if len(annees) == 1 else "/".join(map(str, annees)) or "?"

    @property
    def mention(self) -> str:
        return next((c.mention for c in self.campagnes if c.mention), "")

    def relatif(self, chemin: Path) -> str:
        """Le chemin d'un fichier, relatif au dossier de campagne s'il y est."""
        chemin = Path(chemin)
        for base, cible in ((self.dossier, chemin), (self.dossier.resolve(), chemin.resolve())):
            if cible.is_relative_to(base):
                return cible.relative_to(base).as_posix()
        return str(chemin)

    def ecart(self, departement: str, mesure: str, objet: str, probleme: str) -> None:
        self.ecarts.append(Ecart(departement, mesure, objet, probleme))

    def document(
        self, document: Path, grand_livre: str, traitement: str, a_dire: bool = True
    ) -> None:
        self.documents.append(DocumentLu(self.relatif(document), grand_livre, traitement, a_dire))

    def en_une_ligne(self) -> str:
        """Pour le journal du classeur : les trois totaux et le nombre d'écarts."""
        totaux = [(0, Decimal(0))] * 3
        for campagne in self.campagnes:
            totaux = [
                (n + m, a + b) for (n, a), (m, b) in zip(totaux, campagne.totaux(), strict=True)
            ]
        texte = (
            "Rapprochement : grand livre {} structure(s), {} ; décisions ASP {}, {} ; "
            "lettres {}, {}".format(*(v for n, m in totaux for v in (n, montant_fr(m))))
        )
        if not self.ecarts:
            return texte + " : concordant."
        return texte + f" : {len(self.ecarts)} écart(s), voir {NOM_RAPPROCHEMENT}."

    def resume(self) -> str:
        """Par grand livre, le tableau par département et mesure ; les grands livres sans
        document ; les écarts ; les documents non retenus ; en français."""
        lignes = []
        for campagne in self.campagnes:
            lignes.append(
                f"Rapprochement de la campagne {campagne.annee} (grand livre {campagne.nom}) :"
            )
            lignes += campagne.tableau()
        lignes += [
            f"Grand livre {self.relatif(chemin)} : {SANS_DOCUMENT}."
            for chemin in self.sans_document
        ]
        if self.ecarts:
            lignes.append(f"{len(self.ecarts)} écart(s) :")
            lignes += [
                f"  - {e.departement} {e.mesure} {e.identifiant} : {e.probleme}"
                for e in self.ecarts
            ]
        else:
            lignes.append(
                "Concordant : chaque structure du grand livre a une ligne dans une seule "
                "décision ASP en vigueur et une lettre, au même montant au centime près ; "
                "chaque PDF est celui de son document."
            )
        lignes += [f"Document {d.document} : {d.traitement}" for d in self.documents if d.a_dire]
        if self.rapport is not None:
            lignes.append(f"Rapport : {self.rapport}")
        lignes += [f"Bordereau d'envoi : {chemin}" for chemin in self.bordereau]
        return "\n".join(lignes)
