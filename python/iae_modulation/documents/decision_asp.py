"""Décisions de paiement du montant modulé transmises à l'ASP, une par mesure et département
(note DGEFP 2014-04, annexe 5 « Modèles de décision de paiement à destination de l'ASP »).

Le modèle Word `templates/decision_asp.docx` se modifie dans Word ; le tableau annexé (colonnes
de l'export transformé) est inséré à la place du paragraphe `{{ tableau }}`. Chaque décision
signée porte son numéro du registre des actes (`registre.py`) en tête, sur son annexe et au
pied de chaque page (« page x sur y ») ; un projet porte « PROJET » à sa place. Ses montants
sont intégrés au .docx (`donnees_integrees`, format de l'issue 16) : le rapprochement les lit
là, jamais dans la formulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents.autorite import Autorite
from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_DECISION
from iae_modulation.documents.mots_dates import CHAMPS_DATES, MotsDates, mots_de_la_campagne
from iae_modulation.documents.publipostage import CHAMP_MENTION_MODIFIE, Bloc, ModeleCompile
from iae_modulation.documents.signature import PREFIXE_PROJET, Signature
from iae_modulation.documents.tableau_word import tableau_xml
from iae_modulation.formats import date_fr, insecables, montant_fr
from iae_modulation.referentiel import TYPES_SIAE
from iae_modulation.registre import ActeEnregistre
from iae_modulation.sorties import ErreurEntree, nom_de_fichier_sur

MODELE_DECISION = DOSSIER_MODELES / NOM_DECISION

# Le texte qui fonde l'aide au poste de chaque mesure (visa) : l'article du code du travail, ou,
# pour les EITI, la loi et le décret qui les expérimentent ; daté (paramètres mot_visa_aide_*).
CHAMPS_OBLIGATOIRES = frozenset(
    {"mesure", "departement", "annee", "nb_structures", "montant_total", "tableau"}
)
CHAMPS_DECISION = CHAMPS_OBLIGATOIRES | {
    "libelle_mesure",
    "visa_aide",
    "nom_departement",
    "region",
    "base_du_taux",
    "phrase_methode",
    "phrase_regularisation",
    "phrase_reste",
    "mention_modifie",
    "service",
    "lieu_date",
    "qualite",
    "signataire",
    "mention_projet",
    "minima_sociaux",
    "autorite",
    "bloc_marque",
    "numero",
    "mention_remplace",
    "phrase_remplace",
    *CHAMPS_DATES,
}
TYPE_DONNEES = "decision_asp"
VERSION_DONNEES = 1
SANS_NUMERO = "PROJET (sans numéro)"
# Largeur utile de la page A4 paysage de l'annexe (marges de 1,5 cm), en vingtièmes de point.
LARGEUR_ANNEXE = 15_100


@dataclass(frozen=True)
class DecisionASP:
    """Une décision de paiement : une mesure, un département, le tableau annexé en texte."""

    mesure: str
    departement: str
    nom_departement: str
    region: str
    annee: int
    nb_structures: int
    montant_total: Decimal  # ce que l'ASP verse : la somme des montants nets du tableau
    base_du_taux: str  # phrase française, p. ex. « Le taux appliqué est de 5 % … »
    colonnes: list[str]
    lignes: list[list[str]]  # cellules déjà en texte français
    signature: Signature
    montant_module: Decimal = Decimal(0)  # avant régularisation 2014
    regularisation: Decimal = Decimal(0)
    reste_a_deduire: Decimal = Decimal(0)
    avec_regularisation: bool = False
    mention_modifie: str = ""  # grand livre modifié après le calcul, accepté explicitement
    mots: MotsDates | None = None  # mots datés ; par défaut ceux de la date de la signature
    phrase_methode: str | None = None  # la méthode appliquée (`documents.methode`)
    numero: str | None = None  # numéro du registre ; None pour un projet
    remplace: ActeEnregistre | None = None  # la décision que celle-ci annule et remplace
    grand_livre_sha256: str = ""  # vide au taux forfaitaire (pas de grand livre)
    # montants intégrés au .docx, une ligne par structure (format de l'issue 16)
    lignes_donnees: list[dict] = field(default_factory=list)

    def mots_dates(self) -> MotsDates:
        return self.mots or mots_de_la_campagne(self.annee, self.signature.date)

    @property
    def autorite(self) -> Autorite:
        return self.signature.autorite(self.departement)

    def donnees(self) -> dict:
        """Les données intégrées au .docx (`donnees_integrees`), montants en chaînes."""
        return {
            "type": TYPE_DONNEES,
            "version": VERSION_DONNEES,
            "numero": self.numero,
            "remplace": self.remplace.numero if self.remplace else None,
            "annee": self.annee,
            "departement": self.departement,
            "mesure": self.mesure,
            "projet": self.signature.projet,
            "total": f"{self.montant_total:.2f}",
            "nombre_structures": self.nb_structures,
            "grand_livre_sha256": self.grand_livre_sha256,
            "lignes": self.lignes_donnees,
        }


def lieu_et_date(signature: Signature) -> str:
    """« Nancy, le 22 novembre 2026 » ou « Le 22 novembre 2026 » sans lieu."""
    jour = date_fr(signature.date)
    return f"{signature.lieu}, le {jour}" if signature.lieu.strip() else f"Le {jour}"


def nom_fichier_decision(annee: int, mesure: str, departement: str, projet: bool = False) -> str:
    """`decision_asp_<ANNÉE>_<DEP>_<MESURE>.docx` (`decision_asp_2026_57_ACI.docx`), précédé
    de `PROJET_` pour une décision non signée."""
    nom = f"decision_asp_{annee}_{nom_de_fichier_sur(departement)}_{nom_de_fichier_sur(mesure)}"
    return f"{PREFIXE_PROJET}{nom}.docx" if projet else f"{nom}.docx"


def rendre_decisions_asp(
    decisions: list[DecisionASP], dossier: Path, modele: Path | None = None
) -> list[Path]:
    """Écrit `decision_asp_<ANNÉE>_<DEP>_<MESURE>.docx` (`PROJET_…` sans signataire ou sans
    lieu) pour chaque décision, dans l'ordre donné, avec ses données intégrées.

    Le modèle est vérifié (champs inconnus ou obligatoires absents) avant tout document.
    """
    compile_ = ModeleCompile(modele or MODELE_DECISION)
    compile_.verifier_champs(CHAMPS_DECISION, CHAMPS_OBLIGATOIRES)
    if any(d.mention_modifie for d in decisions):
        compile_.verifier_mention_sur_chaque_page(CHAMP_MENTION_MODIFIE)
    noms = [
        nom_fichier_decision(d.annee, d.mesure, d.departement, d.signature.projet)
        for d in decisions
    ]
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ErreurEntree(
            f"Décisions en double (même mesure et département) : {', '.join(doublons)}."
        )
    inconnues = sorted({d.mesure for d in decisions} - TYPES_SIAE.keys())
    if inconnues:
        raise ErreurEntree(
            f"Mesure inconnue pour une décision ASP : {', '.join(inconnues)} (attendu : "
            f"{', '.join(TYPES_SIAE)})."
        )
    for decision in decisions:
        if decision.mots is not None:
            decision.mots.noter_modele(compile_.champs)
        if not decision.mots_dates().visa_aide(decision.mesure):
            raise ErreurEntree(
                f"Décision {decision.mesure} de la campagne {decision.annee} refusée : aucun "
                f"texte ne fonde cette aide à cette date (paramètre mot_visa_aide_"
                f"{decision.mesure.lower()})."
            )
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    return [
        compile_.ecrire(valeurs_decision(decision), dossier / nom, donnees=decision.donnees())
        for decision, nom in zip(decisions, noms, strict=True)
    ]


def valeurs_decision(decision: DecisionASP) -> dict[str, object]:
    """Les champs de la décision ; None retire le paragraphe facultatif. L'autorité, le
    service, le visa et les autres mots datés sont ceux de la date de l'acte (`mots_dates`) ;
    les références (« R. 5132-23 », « n° 2014-04 ») ne se coupent pas en fin de ligne."""
    signature = decision.signature
    mots = decision.mots_dates()
    champs = mots.champs()
    autorite = decision.autorite
    regularisation = reste = None
    if decision.avec_regularisation:
        regularisation = (
            f"Ce montant est le montant modulé de l'année, {montant_fr(decision.montant_module)}, "
            "diminué de la régularisation des versements 2014 pour des postes non réalisés, "
            f"déduite dans la limite du montant modulé de chaque structure : "
            f"{montant_fr(decision.montant_module - decision.montant_total)}."
        )
    if decision.reste_a_deduire:
        reste = (
            "Les régularisations qui excèdent le montant modulé de la structure, soit "
            f"{montant_fr(decision.reste_a_deduire)} au total (colonne « Reste à déduire de "
            "l'aide au poste » du tableau annexé), sont déduites par l'ASP des prochains "
            "versements de l'aide au poste des structures concernées."
        )
    valeurs: dict[str, object] = {
        "mesure": decision.mesure,
        "libelle_mesure": TYPES_SIAE[decision.mesure].lower(),
        "visa_aide": mots.visa_aide(decision.mesure),
        "departement": decision.departement,
        "nom_departement": decision.nom_departement,
        "region": signature.region or decision.region,
        "annee": str(decision.annee),
        "nb_structures": str(decision.nb_structures),
        "montant_total": montant_fr(decision.montant_total),
        "base_du_taux": decision.base_du_taux,
        "phrase_methode": decision.phrase_methode,
        "phrase_regularisation": regularisation,
        "phrase_reste": reste,
        CHAMP_MENTION_MODIFIE: decision.mention_modifie or None,
        **champs,
        "autorite": autorite.ouverture,
        "bloc_marque": autorite.bloc_marque,
        "service": signature.en_tete_service(autorite, mots),
        "numero": numero_affiche(decision.numero),
        **phrases_remplace(decision.remplace),
        "lieu_date": lieu_et_date(signature),
        "qualite": signature.bloc_signature(autorite, mots),
        "signataire": signature.signataire or None,
        "mention_projet": signature.mention_projet(),
    }
    valeurs = {c: insecables(v) if isinstance(v, str) else v for c, v in valeurs.items()}
    valeurs["tableau"] = Bloc(tableau_xml(decision.colonnes, decision.lignes, LARGEUR_ANNEXE))
    return valeurs


def numero_affiche(numero: str | None) -> str:
    """« 2026‑57‑ACI‑001 » (traits d'union insécables : le numéro ne se coupe jamais) ;
    « PROJET (sans numéro) » pour un projet."""
    return numero.replace("-", "\u2011") if numero else SANS_NUMERO


def phrases_remplace(remplacee: ActeEnregistre | None) -> dict[str, str | None]:
    """La mention sous le titre et la phrase de l'article 3 d'une décision qui en annule et
    remplace une autre ; None (paragraphes retirés) sinon."""
    if remplacee is None:
        return {"mention_remplace": None, "phrase_remplace": None}
    designation = (
        f"la décision n° {numero_affiche(remplacee.numero)} du {date_fr(remplacee.date_signature)}"
    )
    return {
        "mention_remplace": f"Annule et remplace {designation}",
        "phrase_remplace": (
            f"La présente décision annule et remplace {designation} "
            f"({montant_fr(remplacee.total)}), qui ne doit plus être payée ; seuls les montants "
            "du tableau annexé à la présente décision sont à verser."
        ),
    }
