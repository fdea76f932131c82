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
    largeur,
    poser_colonnes,
    texte_affiche,
    vues_imprimees,
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


@dataclass(frozen=True)
class PartieExport:
    """Les colonnes de l'export que la note garde, communes aux tableaux d'une mesure :
    en-têtes, colonnes en euros, montants par poste (jamais totalisés), autres nombres (postes
    en ETP), et celles qui nomment la structure (répétées dans chaque vue imprimée)."""

    entetes: list[str]
    montants: set[int]
    unitaires: set[int]
    nombres: set[int]
    identite: tuple[int, ...]


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
    identite: tuple[int, ...] = ()  # colonnes qui nomment la structure

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

    def somme(self, j: int) -> Decimal:
        """La ligne de total de la colonne `j` : la somme de ses montants (cellules texte
        exclues)."""
        cellules = (ligne[j] for ligne in self.lignes)
        return sum((c for c in cellules if isinstance(c, Decimal)), Decimal(0))


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


def etablir_tableau(
    mesure: str,
    departement: str,
    partie: PartieExport,
    cellules: list[list[str | Decimal]],
    paiements: list[Paiement],
) -> TableauAnnexe5:
    """Le tableau d'un département : les cellules gardées de l'export, puis les colonnes
    ajoutées ; celles de la régularisation 2014 seulement si une structure du tableau a un
    versement 2014 à régulariser (note 2014-04)."""
    avec = any(p.regularisee for p in paiements)
    ajoutes = entetes_ajoutes(mesure, avec)
    premiere = len(partie.entetes)
    montants = partie.montants | set(range(premiere, premiere + len(ajoutes)))
    return TableauAnnexe5(
        mesure,
        departement,
        [*partie.entetes, *ajoutes],
        montants,
        montants - partie.unitaires,
        partie.nombres,
        avec,
        [[*c, *p.ajouts(avec)] for c, p in zip(cellules, paiements, strict=True)],
        paiements,
        partie.identite,
    )


FEUILLE_TABLEAU = "Tableau"


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
    `reference` (`reference_decision`) dans le titre et en tête de chaque page imprimée.
    Trop large pour se lire imprimé à 8 points, chacun est suivi de ses vues imprimées
    (« Tableau (impression 1 sur 2) »…), la feuille entière restant celle de l'écran."""
    departement = departements()[tableau.departement]
    classeur = ClasseurXlsx(str(chemin))
    styles = styles_asp(classeur)
    titre = (
        f"Montant modulé de l'aide au poste {annee} – {tableau.mesure} – "
        f"{departement.code} {departement.nom} ({departement.region})"
    ) + (f" – {reference}" if reference else "")
    pied = f"Annexe 5 – {tableau.mesure} – {departement.code} {departement.nom}" + (
        f" – {reference}" if reference else ""
    )
    colonnes = _colonnes_tableau(tableau)
    largeurs = [largeur(c) for c in colonnes]
    vues = vues_imprimees(largeurs, tableau.identite)
    ecran = "\n".join(t for t in (base_du_taux, _renvoi_aux_vues(FEUILLE_TABLEAU, len(vues))) if t)
    _feuille_tableau(
        classeur.add_worksheet(FEUILLE_TABLEAU),
        styles,
        tableau,
        colonnes,
        list(range(len(colonnes))),
        [(titre, "titre"), (ecran, ""), (mention, "alerte")],
        pied,
        annee,
    )
    if len(vues) > 1:
        for numero, vue in enumerate(vues, start=1):
            nom = _nom_de_vue(FEUILLE_TABLEAU, numero, len(vues))
            _feuille_tableau(
                classeur.add_worksheet(nom),
                styles,
                tableau,
                colonnes,
                vue,
                [(titre, "titre"), (base_du_taux, ""), (mention, "alerte")],
                f"{pied} (impression {numero} sur {len(vues)})",
                annee,
            )
    _feuilles_controle(classeur, styles, tableau, annee)
    classeur.close()
    return chemin


def _nom_de_vue(feuille: str, numero: int, nombre: int) -> str:
    return f"{feuille} (impression {numero} sur {nombre})"


def _renvoi_aux_vues(feuille: str, nombre: int) -> str:
    """La phrase qui envoie l'imprimeur vers les vues, quand la feuille entière est trop large."""
    if nombre == 1:
        return ""
    noms = [f"« {_nom_de_vue(feuille, n, nombre)} »" for n in range(1, nombre + 1)]
    return (
        f"Cette feuille, faite pour l'écran, est trop large pour se lire imprimée sur A4 : "
        f"imprimez les feuilles {', '.join(noms[:-1])} et {noms[-1]}."
    )


def _colonnes_tableau(tableau: TableauAnnexe5) -> list[Colonne]:
    """Chaque colonne du tableau avec ses textes affichés, ligne de total comprise."""
    nature = {j: "euros" for j in tableau.montants} | {j: "etp" for j in tableau.nombres}
    sommes = _sommes(tableau)
    return [
        Colonne(
            entete,
            [texte_affiche(ligne[j], nature.get(j, "")) for ligne in tableau.lignes]
            + [texte_affiche(sommes.get(j), "euros")],
            maximum=32,
        )
        for j, entete in enumerate(tableau.colonnes)
    ]


def _sommes(tableau: TableauAnnexe5) -> dict[int, Decimal]:
    return {colonne: tableau.somme(colonne) for colonne in tableau.totaux}


def _feuille_tableau(
    feuille,
    styles,
    tableau: TableauAnnexe5,
    colonnes: list[Colonne],
    vue: list[int],
    lignes_du_bandeau: list[tuple[str, str]],
    pied: str,
    annee: int,
) -> None:
    """Les colonnes `vue` du tableau (toutes pour la feuille de l'écran) : bandeau, en-tête
    répété en haut de chaque page, lignes, total ; A4 sur une page de large."""
    formats = {j: styles["euros"] for j in tableau.montants}
    formats |= {j: styles["nombre"] for j in tableau.nombres}
    feuille.write_row(LIGNE_ENTETE, 0, [tableau.colonnes[j] for j in vue], styles["entete"])
    feuille.freeze_panes(LIGNE_ENTETE + 1, 0)
    for rang, ligne in enumerate(tableau.lignes, start=LIGNE_ENTETE + 1):
        for colonne, j in enumerate(vue):
            if isinstance(ligne[j], Decimal):
                feuille.write_number(rang, colonne, ligne[j], formats[j])
            else:
                feuille.write_string(rang, colonne, ligne[j])
    total = LIGNE_ENTETE + 1 + len(tableau.lignes)
    sommes = _sommes(tableau)
    if any(j in sommes for j in vue):  # une vue sans montant n'a pas de total
        feuille.write_string(total, 0, "Total", styles["total"])
    for colonne, j in enumerate(vue):
        if j in sommes:
            feuille.write_number(total, colonne, sommes[j], styles["total_euros"])
    chiffres = tableau.montants | tableau.nombres
    largeurs = poser_colonnes(
        feuille,
        [colonnes[j] for j in vue],
        LIGNE_ENTETE,
        {colonne: styles["retour"] for colonne, j in enumerate(vue) if j not in chiffres},
    )
    bandeau(feuille, styles, largeurs, lignes_du_bandeau)
    imprimer(
        feuille,
        largeurs,
        titre=pied,
        campagne=annee,
        lignes_repetees=(LIGNE_ENTETE, LIGNE_ENTETE),
    )


# Feuille « Contrôle » : (en-tête, colonne du grand livre, format), dans l'ordre du calcul.
# (en-tête, colonne du grand livre, nature de `texte_affiche` : "" pour un texte)
COLONNES_CONTROLE = (
    ("Identifiant (grand livre)", "identifiant", ""),
    ("Motif du taux", "motif_taux", ""),
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
_CONTROLE_REGULARISATION = ("regularisation", "reste_a_deduire")


def _feuilles_controle(classeur, styles, tableau: TableauAnnexe5, annee: int) -> None:
    """Une ligne par ligne du tableau, dans le même ordre : la structure, la base de l'export et
    sa ligne du grand livre (colonnes de la régularisation 2014 seulement si le tableau en a).
    Montant avant enveloppe = socle × taux calculé ; montant modulé = avant × enveloppe
    disponible / total avant enveloppe (au centime inférieur) quand l'enveloppe a réduit le
    montant ; net = modulé − régularisation (jamais négatif). Suivie de ses vues imprimées si
    elle est trop large."""
    gardees = [
        c
        for c in COLONNES_CONTROLE
        if tableau.avec_regularisation or c[1] not in _CONTROLE_REGULARISATION
    ]
    entetes = ["Structure (ligne de l'export)", "Base de l'export", *(e for e, _, _ in gardees)]
    natures = ["", "euros", *(nature for *_, nature in gardees)]
    rangees = [[p.nom, p.base, *(p.livre[cle] for _, cle, _ in gardees)] for p in tableau.paiements]
    colonnes = [
        Colonne(entete, [texte_affiche(r[j], natures[j]) for r in rangees], maximum=40)
        for j, (entete, nature) in enumerate(zip(entetes, natures, strict=True))
    ]
    departement = departements()[tableau.departement]
    pied = f"Contrôle – annexe 5 – {tableau.mesure} – {departement.code} {departement.nom}"
    vues = vues_imprimees([largeur(c) for c in colonnes], (0, 2))
    feuilles = [(FEUILLE_CONTROLE, list(range(len(colonnes))), pied)]
    if len(vues) > 1:
        feuilles += [
            (
                _nom_de_vue(FEUILLE_CONTROLE, n, len(vues)),
                vue,
                f"{pied} (impression {n} sur {len(vues)})",
            )
            for n, vue in enumerate(vues, start=1)
        ]
    for nom, vue, titre in feuilles:
        feuille = classeur.add_worksheet(nom)
        feuille.write_row(0, 0, [entetes[j] for j in vue], styles["entete"])
        feuille.freeze_panes(1, 1)
        for rang, rangee in enumerate(rangees, start=1):
            for colonne, j in enumerate(vue):
                valeur = rangee[j]
                if valeur is None:
                    continue
                if isinstance(valeur, Decimal):
                    feuille.write_number(rang, colonne, valeur, styles[natures[j]])
                else:
                    feuille.write_string(rang, colonne, str(valeur))
        largeurs = poser_colonnes(feuille, [colonnes[j] for j in vue], 0, {0: styles["retour"]})
        imprimer(feuille, largeurs, titre=titre, campagne=annee, lignes_repetees=(0, 0))
