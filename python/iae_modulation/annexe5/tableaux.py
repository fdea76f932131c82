"""Le tableau départemental de l'annexe 5 (note DGEFP n° 2014-04) : ses colonnes ajoutées, ses
lignes (`TableauAnnexe5`) et son classeur `annexe5_<MESURE>_<DEP>.xlsx`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from iae_modulation.annexe5.montants import Paiement
from iae_modulation.documents.signature import PREFIXE_PROJET
from iae_modulation.exports.classeurs_asp import (
    FEUILLE_CONTROLE,
    LIGNE_ENTETE,
    bandeau,
    styles_asp,
)
from iae_modulation.mise_en_page import (
    Colonne,
    imprimer,
    poser_colonnes,
    texte_affiche,
)
from iae_modulation.referentiel import (
    TYPES_SIAE,
    departements,
)
from iae_modulation.sorties import (
    nom_de_fichier_sur,
)
from iae_modulation.texte_xml import ClasseurXlsx

MESURES = tuple(TYPES_SIAE)  # EI, ETTI, AI, ACI, EITI : une structure, une décision
ENTETE_MODULE = {
    "EI": "Montant modulé prévu",
    "ETTI": "Montant modulé prévu",
    "EITI": "Montant modulé prévu",
    "AI": "Montant prévu modulation",
    "ACI": "Montant prévu modulation",
}
# Colonnes ajoutées quand la campagne régularise des versements 2014 (note 2014-04) : le montant
# que l'ASP verse reste sous l'intitulé de la note, suivi de « (net à verser) ».
ENTETE_BRUT = "Montant modulé"
ENTETE_REGULARISATION = "Régularisation 2014"
ENTETE_RESTE = "Reste à déduire de l'aide au poste"


def entetes_ajoutes(mesure: str, avec_regularisation: bool) -> list[str]:
    """Les colonnes que l'annexe 5 ajoute à droite du tableau de l'export."""
    if not avec_regularisation:
        return [ENTETE_MODULE[mesure]]
    return [
        ENTETE_BRUT,
        ENTETE_REGULARISATION,
        f"{ENTETE_MODULE[mesure]} (net à verser)",
        ENTETE_RESTE,
    ]


@dataclass
class TableauAnnexe5:
    """Le tableau d'un département, prêt à annexer : cellules texte, montants en Decimal."""

    mesure: str
    departement: str
    colonnes: list[str]
    montants: set[int]  # index des colonnes en euros
    totaux: set[int]  # colonnes totalisées : les montants, sauf les montants par poste
    nombres: set[int]  # autres colonnes numériques (postes en ETP)
    avec_regularisation: bool
    lignes: list[list[str | Decimal]] = field(default_factory=list)
    paiements: list[Paiement] = field(default_factory=list)

    @property
    def nb_structures(self) -> int:
        return len(self.paiements)

    @property
    def base_totale(self) -> Decimal:
        return sum((p.base for p in self.paiements), Decimal(0))

    @property
    def montant_total(self) -> Decimal:
        """Ce que l'ASP verse : la somme des montants nets."""
        return sum((p.net for p in self.paiements), Decimal(0))

    def total(self, colonne: str) -> Decimal:
        return sum((p.livre[colonne] or Decimal(0) for p in self.paiements), Decimal(0))


def nom_fichier_tableau(annee: int, mesure: str, departement: str, projet: bool = False) -> str:
    """`annexe5_<ANNÉE>_<DEP>_<MESURE>.xlsx` (`annexe5_2026_57_ACI.xlsx`), précédé de
    `PROJET_` pour le tableau d'une décision non signée."""
    nom = f"annexe5_{annee}_{nom_de_fichier_sur(departement)}_{nom_de_fichier_sur(mesure)}.xlsx"
    return f"{PREFIXE_PROJET}{nom}" if projet else nom


def reference_decision(numero: str | None) -> str:
    """Ce qui lie le tableau à sa décision : « annexe à la décision n° 2026-57-ACI-001 », ou,
    pour un projet, « annexe au projet de décision (sans numéro) »."""
    if numero:
        return f"annexe à la décision n°\u00a0{numero}"
    return "annexe au projet de décision (sans numéro)"


def ecrire_tableau(
    tableau: TableauAnnexe5,
    chemin: Path,
    annee: int,
    base_du_taux: str,
    mention: str = "",
    reference: str = "",
) -> Path:
    """Écrit le tableau d'un département (feuille « Tableau ») et sa feuille « Contrôle » ;
    `mention` (projet non signé, grand livre modifié après le calcul) s'écrit sous le titre ;
    `reference` (`reference_decision`) dans le titre et en tête de chaque page imprimée."""
    departement = departements()[tableau.departement]
    classeur = ClasseurXlsx(str(chemin))
    styles = styles_asp(classeur)
    feuille = classeur.add_worksheet("Tableau")
    titre = (
        f"Montant modulé de l'aide au poste {annee} – {tableau.mesure} – "
        f"{departement.code} {departement.nom} ({departement.region})"
    ) + (f" – {reference}" if reference else "")
    formats = {j: styles["euros"] for j in tableau.montants}
    formats |= {j: styles["nombre"] for j in tableau.nombres}
    feuille.write_row(LIGNE_ENTETE, 0, tableau.colonnes, styles["entete"])
    feuille.freeze_panes(LIGNE_ENTETE + 1, 0)
    for rang, ligne in enumerate(tableau.lignes, start=LIGNE_ENTETE + 1):
        for colonne, valeur in enumerate(ligne):
            if isinstance(valeur, Decimal):
                feuille.write_number(rang, colonne, valeur, formats[colonne])
            else:
                feuille.write_string(rang, colonne, valeur)
    total = LIGNE_ENTETE + 1 + len(tableau.lignes)
    feuille.write_string(total, 0, "Total", styles["total"])
    sommes = {}
    for colonne in sorted(tableau.totaux):
        sommes[colonne] = sum(
            (ligne[colonne] for ligne in tableau.lignes if isinstance(ligne[colonne], Decimal)),
            Decimal(0),
        )
        feuille.write_number(total, colonne, sommes[colonne], styles["total_euros"])
    nature = {j: "euros" for j in tableau.montants} | {j: "etp" for j in tableau.nombres}
    colonnes = [
        Colonne(
            entete,
            [texte_affiche(ligne[j], nature.get(j, "")) for ligne in tableau.lignes]
            + [texte_affiche(sommes.get(j), "euros")],
            maximum=32,
        )
        for j, entete in enumerate(tableau.colonnes)
    ]
    largeurs = poser_colonnes(
        feuille,
        colonnes,
        LIGNE_ENTETE,
        {j: styles["retour"] for j in range(len(colonnes)) if j not in nature},
    )
    bandeau(feuille, styles, largeurs, [(titre, "titre"), (base_du_taux, ""), (mention, "alerte")])
    imprimer(
        feuille,
        largeurs,
        titre=f"Annexe 5 – {tableau.mesure} – {departement.code} {departement.nom}"
        + (f" – {reference}" if reference else ""),
        campagne=annee,
        lignes_repetees=(LIGNE_ENTETE, LIGNE_ENTETE),
    )
    _feuille_controle(classeur, styles, tableau, annee)
    classeur.close()
    return chemin


# Feuille « Contrôle » : (en-tête, colonne du grand livre, format), dans l'ordre du calcul.
COLONNES_CONTROLE = (
    ("Identifiant (grand livre)", "identifiant", None),
    ("Motif du taux", "motif_taux", None),
    ("Montant socle", "montant_socle", "euros"),
    ("Taux calculé", "taux_calcule", "taux"),
    ("Montant avant enveloppe (socle × taux calculé)", "montant_avant_enveloppe", "euros"),
    ("Enveloppe disponible", "enveloppe_disponible", "euros"),
    ("Total avant enveloppe", "total_avant_enveloppe", "euros"),
    ("Montant modulé", "montant_module", "euros"),
    ("Taux effectif après enveloppe (modulé ÷ socle)", "taux_effectif", "taux"),
    ("Régularisation 2014", "regularisation", "euros"),
    ("Reste à déduire de l'aide au poste", "reste_a_deduire", "euros"),
    ("Montant net versé", "montant_net", "euros"),
)


def _feuille_controle(classeur, styles, tableau: TableauAnnexe5, annee: int) -> None:
    """Une ligne par ligne du tableau, dans le même ordre : la structure, la base de l'export et
    sa ligne du grand livre. Montant avant enveloppe = socle × taux calculé ; montant modulé =
    avant × enveloppe disponible / total avant enveloppe (au centime inférieur) quand
    l'enveloppe a réduit le montant ; net = modulé − régularisation (jamais négatif)."""
    feuille = classeur.add_worksheet(FEUILLE_CONTROLE)
    entetes = ["Structure (ligne de l'export)", "Base de l'export"]
    entetes += [entete for entete, _, _ in COLONNES_CONTROLE]
    feuille.write_row(0, 0, entetes, styles["entete"])
    feuille.freeze_panes(1, 1)
    for rang, paiement in enumerate(tableau.paiements, start=1):
        feuille.write_string(rang, 0, paiement.nom)
        feuille.write_number(rang, 1, paiement.base, styles["euros"])
        for colonne, (_, cle, format_) in enumerate(COLONNES_CONTROLE, start=2):
            valeur = paiement.livre[cle]
            if valeur is None:
                continue
            if format_ is None:
                feuille.write_string(rang, colonne, str(valeur))
            else:
                feuille.write_number(rang, colonne, valeur, styles[format_])
    natures = ["", "euros"] + [
        {"euros": "euros", "taux": "taux"}.get(f, "") for *_, f in COLONNES_CONTROLE
    ]
    cles = [None, None] + [cle for _, cle, _ in COLONNES_CONTROLE]
    colonnes = [
        Colonne(
            entete,
            [
                texte_affiche(p.nom if j == 0 else p.base if j == 1 else p.livre[cles[j]], nature)
                for p in tableau.paiements
            ],
            maximum=40,
        )
        for j, (entete, nature) in enumerate(zip(entetes, natures, strict=True))
    ]
    largeurs = poser_colonnes(feuille, colonnes, 0, {0: styles["retour"]})
    departement = departements()[tableau.departement]
    imprimer(
        feuille,
        largeurs,
        titre=f"Contrôle – annexe 5 – {tableau.mesure} – {departement.code} {departement.nom}",
        campagne=annee,
        lignes_repetees=(0, 0),
    )
