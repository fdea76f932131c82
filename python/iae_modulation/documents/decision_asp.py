"""Décisions de paiement du montant modulé transmises à l'ASP, une par mesure et département
(note DGEFP 2014-04, annexe 5 « Modèles de décision de paiement à destination de l'ASP »).

Le modèle Word `templates/decision_asp.docx` se modifie dans Word ; le tableau annexé (colonnes
de l'export transformé) est inséré à la place du paragraphe `{{ tableau }}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents.modeles_source import DOSSIER_MODELES, NOM_DECISION
from iae_modulation.documents.mots_dates import CHAMPS_DATES, MotsDates, mots_de_la_campagne
from iae_modulation.documents.publipostage import CHAMP_MENTION_MODIFIE, Bloc, ModeleCompile
from iae_modulation.documents.signature import PREFIXE_PROJET, Signature
from iae_modulation.documents.tableau_word import tableau_xml
from iae_modulation.formats import date_fr, montant_fr
from iae_modulation.referentiel import TYPES_SIAE
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
    *CHAMPS_DATES,
}
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

    def mots_dates(self) -> MotsDates:
        return self.mots or mots_de_la_campagne(self.annee, self.signature.date)


def lieu_et_date(signature: Signature) -> str:
    """« Nancy, le 22 novembre 2026 » ou « Le 22 novembre 2026 » sans lieu."""
    jour = date_fr(signature.date)
    return f"{signature.lieu}, le {jour}" if signature.lieu.strip() else f"Le {jour}"


def nom_fichier_decision(mesure: str, departement: str, projet: bool = False) -> str:
    """`decision_asp_<MESURE>_<DEP>.docx`, précédé de `PROJET_` pour une décision non signée."""
    nom = f"decision_asp_{nom_de_fichier_sur(mesure)}_{nom_de_fichier_sur(departement)}.docx"
    return f"{PREFIXE_PROJET}{nom}" if projet else nom


def rendre_decisions_asp(
    decisions: list[DecisionASP], dossier: Path, modele: Path | None = None
) -> list[Path]:
    """Écrit `decision_asp_<MESURE>_<DEP>.docx` (`PROJET_…` sans signataire ou sans lieu) pour
    chaque décision, dans l'ordre donné.

    Le modèle est vérifié (champs inconnus ou obligatoires absents) avant tout document.
    """
    compile_ = ModeleCompile(modele or MODELE_DECISION)
    compile_.verifier_champs(CHAMPS_DECISION, CHAMPS_OBLIGATOIRES)
    if any(d.mention_modifie for d in decisions):
        compile_.verifier_mention_sur_chaque_page(CHAMP_MENTION_MODIFIE)
    noms = [nom_fichier_decision(d.mesure, d.departement, d.signature.projet) for d in decisions]
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
        compile_.ecrire(valeurs_decision(decision), dossier / nom)
        for decision, nom in zip(decisions, noms, strict=True)
    ]


def valeurs_decision(decision: DecisionASP) -> dict[str, object]:
    """Les champs de la décision ; None retire le paragraphe facultatif. Le service, le visa et
    les autres mots datés sont ceux de la date de l'acte (`mots_dates`)."""
    signature = decision.signature
    mots = decision.mots_dates()
    champs = mots.champs()
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
    return {
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
        "tableau": Bloc(tableau_xml(decision.colonnes, decision.lignes, LARGEUR_ANNEXE)),
        **champs,
        "service": signature.service or champs["service_regional"],
        "lieu_date": lieu_et_date(signature),
        "qualite": signature.bloc_qualite(),
        "signataire": signature.signataire or None,
        "mention_projet": signature.mention_projet(),
    }
