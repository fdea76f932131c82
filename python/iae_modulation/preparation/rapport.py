"""`preparation.xlsx` : ce que `preparer` a lu, retenu, écarté et signalé, et la source de chaque
valeur de la table (fichier, ligne, colonne). Chaque feuille s'imprime (A4, une page de large) ;
une ligne dont un texte passe à la ligne (en-tête compris) a la hauteur de toutes ses lignes,
pour qu'elles ne chevauchent pas la suivante à l'impression."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from pathlib import Path

from iae_modulation import mise_en_page
from iae_modulation.donnees import NOMS_COLONNES
from iae_modulation.ecriture_xlsx import Feuille, Police, Style, ecrire_classeur
from iae_modulation.exports.bilan_asp import BilanASP
from iae_modulation.preparation.annexes import CHAMPS
from iae_modulation.preparation.correspondance import CORRESPONDANCES
from iae_modulation.preparation.preparer import Preparation
from iae_modulation.texte_xml import texte_xml

NOM_RAPPORT = "preparation.xlsx"
ENTETES_SOURCES = {
    "annexes": "Ligne des annexes",
    "bilan": "Ligne du bilan",
    "structures": "Ligne des structures",
}
TEXTES_MESURES = 40  # textes les plus longs de chaque colonne mesurés pour sa largeur


def resume(preparation: Preparation) -> list[tuple[str, object]]:
    """Les comptes de la préparation, dans l'ordre où le rapport et le terminal les donnent."""
    p = preparation
    bloquants = sum(s.bloquant for s in p.signalements)
    lignes: list[tuple[str, object]] = [
        (f"Campagne {p.annee} (indicateurs de l'année {p.annee - 1})", ""),
        (f"Lignes d'annexes lues dans {p.annexes.fichier.name}", p.annexes.lignes_lues),
        ("Annexes retenues : lignes de la table", len(p.lignes)),
        ("Lignes écartées, avec leur motif (feuille « Écartées »)", len(p.ecartees)),
    ]
    lignes += [
        (f"   dont : {motif}", n) for motif, n in Counter(e.motif for e in p.ecartees).most_common()
    ]
    lignes.append(("Lignes illisibles, à corriger (feuille « Écartées »)", len(p.illisibles)))
    if p.bilan is not None:
        lignes.append(
            (f"Lignes lues dans le bilan {p.bilan.fichier.name}", sum(p.annees_du_bilan.values()))
        )
        lignes += [
            (f"   dont année {annee or 'illisible'}", n)
            for annee, n in sorted(p.annees_du_bilan.items(), key=lambda a: a[0] or 0)
        ]
    if p.structures is not None:
        lignes.append(
            (f"Structures lues dans {p.structures.fichier.name}", len(p.structures.structures))
        )
    lignes += [
        ("Constats du rapprochement des sources", len(p.absences)),
        ("Valeurs à vérifier (feuille « À vérifier »)", len(p.signalements)),
        ("   dont que « calculer » refusera tant qu'elles restent", bloquants),
    ]
    return lignes


def ecrire_rapport(preparation: Preparation, chemin: Path) -> Path:
    """Écrit le rapport d'un bloc (`ecriture_xlsx`) : une préparation nationale y met 100 000
    cellules. Les textes passent par `texte_xml`, comme dans tous les classeurs de l'outil."""
    p = preparation
    feuilles: list[Feuille] = []
    renvoyees = cache(mise_en_page.lignes_renvoyees)  # motifs et remarques se répètent

    def feuille(
        nom: str,
        titre: str,
        entetes: Sequence[str],
        lignes: Sequence[Sequence[object]],
        longues: Sequence[int] = (),
    ) -> None:
        if not lignes:  # une feuille vide se lirait comme une feuille oubliée
            lignes = [(f"Aucune ligne : rien à signaler ({titre.split(' — ')[-1]}).",)]
        colonnes = [
            mise_en_page.Colonne(
                entete,
                heapq.nlargest(
                    TEXTES_MESURES,
                    {str(v[j]) for v in lignes if j < len(v) and v[j]},
                    key=_longueur,
                ),
                maximum=60 if j in longues else 40,
            )
            for j, entete in enumerate(entetes)
        ]
        # une feuille trop large pour s'imprimer en 8 points : ses textes longs plus étroits,
        # sur plus de lignes (issue 16)
        largeurs = mise_en_page.largeurs_lisibles(
            [mise_en_page.largeur(c) for c in colonnes], longues
        )
        ecrite = Feuille(
            nom,
            largeurs,
            lignes_figees=1,
            filtre=True,
            impression=mise_en_page.impression(
                largeurs, titre=titre, campagne=p.annee, lignes_repetees=(0, 0)
            ),
        )
        lignes_entete = max(map(mise_en_page.lignes_d_en_tete, entetes, largeurs))
        ecrite.ajouter(
            [(texte_xml(entete), _EN_TETE) for entete in entetes],
            mise_en_page.HAUTEUR_LIGNE * lignes_entete + 3 if lignes_entete > 1 else None,
        )
        styles = [_RETOUR if j in longues else _HAUT for j in range(len(entetes))]
        for ligne in lignes:
            ecrite.ajouter(
                [
                    (valeur, _HAUT)
                    if isinstance(valeur, int) and not isinstance(valeur, bool)
                    else (texte_xml(str(valeur)) if valeur else None, styles[j])
                    for j, valeur in enumerate(ligne)
                ],
                _hauteur(ligne, longues, largeurs, renvoyees),
            )
        feuilles.append(ecrite)

    feuille("Synthèse", "Préparation — synthèse", ("Constat", "Nombre"), resume(p), (0,))
    feuille(
        "À vérifier",
        "Préparation — valeurs à vérifier",
        (
            "Identifiant",
            "Colonne",
            "Valeur",
            "Problème",
            "Bloquant pour le calcul",
            "Fichier",
            "Ligne",
            "Colonne source",
        ),
        [
            (
                s.identifiant,
                s.colonne,
                s.valeur,
                s.message,
                "oui" if s.bloquant else "non",
                s.fichier,
                s.ligne,
                s.source,
            )
            for s in p.signalements
        ],
        # la dernière colonne renvoyée à la ligne : débordant, elle s'imprimait aussi ; le nom
        # du fichier aussi, pour que la feuille s'imprime en 8 points (6,1 avant, issue 16)
        (3, 5, 7),
    )
    feuille(
        "Écartées",
        f"Préparation — lignes écartées de {p.annexes.fichier.name}",
        ("Ligne", "N° d'annexe et avenant", "Mesure", "État", "Début", "Fin", "Motif"),
        sorted(
            [(e.numero, e.annexe, e.mesure, e.etat, e.debut, e.fin, e.motif)
             for e in p.ecartees]
            + [(i.numero, i.annexe, "", "", "", "", f"illisible : {i.message}")
               for i in p.illisibles],
            key=itemgetter(0),
        ),
        (6,),
    )  # fmt: skip
    feuille(
        "Rapprochement",
        "Préparation — rapprochement des sources",
        ("Fichier", "Ligne", "Annexe ou structure", "Nom", "Constat"),
        [(a.fichier, a.ligne, a.cle, a.nom, a.message) for a in p.absences],
        (4,),
    )
    lus = [
        (role, lu.fichier.name)
        for role, lu in (("annexes", p.annexes), ("bilan", p.bilan), ("structures", p.structures))
        if lu is not None
    ]
    fichiers = [nom for _, nom in lus]
    feuille(
        "Sources",
        "Préparation — source de chaque valeur",
        # le fichier par son rôle, nommé dans « Synthèse » : son nom, un seul mot de 40
        # caractères, élargissait la colonne et la feuille s'imprimait sous 8 points (issue 16)
        ("Identifiant", *(ENTETES_SOURCES[role] for role, _ in lus), "Remarques"),
        _sources(p, fichiers),
        (len(fichiers) + 1,),
    )
    feuille(
        "Colonnes lues",
        "Préparation — colonnes des fichiers",
        ("Fichier", "Colonne (telle qu'écrite)", "Usage"),
        _colonnes_lues(p),
        (2,),
    )
    feuille(
        "Correspondance",
        "Préparation — correspondance des colonnes",
        ("Colonne de la table", "Fichier", "Colonne(s) source"),
        [(c.colonne, c.fichier, c.origine) for c in CORRESPONDANCES],
        (2,),
    )

    return ecrire_classeur(Path(chemin), feuilles, _STYLES, _POLICE)


# en-tête (gras, fond bleu pâle, filet, renvoyé à la ligne), texte long renvoyé à la ligne,
# autre cellule ; tous alignés en haut (indices 1 à 3), en Arial 10 comme les autres classeurs
_STYLES = (
    Style(gras=True, fond="DDEBF7", bordure=True, renvoi=True, haut=True),
    Style(renvoi=True, haut=True),
    Style(haut=True),
)
_EN_TETE, _RETOUR, _HAUT = range(1, 4)
_POLICE = Police("Arial", 10, mise_en_page.HAUTEUR_LIGNE)
_CHASSE_MAX = 1.9  # unités de colonne du caractère le plus large d'Arial 10 (« @ » : 1,83)


def _hauteur(
    ligne: Sequence[object],
    longues: Sequence[int],
    largeurs: Sequence[float],
    renvoyees: Callable[[str, float], int],
) -> float | None:
    """La hauteur (points) d'une ligne dont un texte long passe à la ligne (`renvoyees` :
    `mise_en_page.lignes_renvoyees`), comme celles des autres classeurs
    (`mise_en_page.poser_colonnes`) ; None pour une seule ligne de texte. Un texte trop court
    pour déborder, même fait de « @ », n'est pas mesuré."""
    lignes = max(
        (
            renvoyees(texte, largeurs[j])
            for j in longues
            if j < len(ligne)
            and isinstance(texte := ligne[j], str)
            and len(texte) * _CHASSE_MAX > largeurs[j] - 1.5
        ),
        default=1,
    )
    return mise_en_page.HAUTEUR_LIGNE * lignes + 2 if lignes > 1 else None


def _sources(p: Preparation, fichiers: list[str]) -> list[tuple]:
    """Une ligne par structure : la ligne de chaque fichier d'où viennent ses valeurs (la
    colonne source de chacune est dans « Correspondance » et « Colonnes lues »), et ce qui
    s'écarte de la correspondance ou la précise (somme des minima, annexe de l'année précédente,
    SIRET pris dans le bilan, adresse administrative, code postal complété)."""
    lignes = []
    for ligne in p.lignes:
        numeros: dict[str, int | None] = {}
        remarques = []
        for colonne in NOMS_COLONNES:
            valeur = ligne.get(colonne)
            if valeur is None or not valeur.fichier:
                continue
            numeros.setdefault(valeur.fichier, valeur.ligne)
            if valeur.remarque:
                remarques.append(valeur.remarque)
            if colonne in ("siret", "adresse", "etp_encadrement") and not _habituelle(
                colonne, valeur.colonne
            ):
                remarques.append(f"{colonne} ← {valeur.colonne} ({valeur.fichier})")
        lignes.append(
            (
                ligne["identifiant"].texte,
                *(numeros.get(f) for f in fichiers),
                # chaque remarque une fois : celle des minima redit l'annexe du bilan
                " ; ".join(dict.fromkeys(r for rs in remarques for r in rs.split(" ; "))),
            )
        )
    return lignes


def _habituelle(colonne: str, source: str) -> bool:
    """Vrai si `source` est la colonne que donne d'ordinaire la correspondance."""
    return {
        "siret": source == "structure_siret_actualise",
        "adresse": source.startswith("structure_adresse_gestion_"),
        "etp_encadrement": "+" not in source,
    }[colonne]


def _colonnes_lues(p: Preparation) -> list[tuple[str, str, str]]:
    lignes = [(p.annexes.fichier.name, c, "lue") for c in CHAMPS]
    if p.bilan is not None:
        lignes += _colonnes_du_bilan(p.bilan)
    if p.structures is not None:
        lignes.append(
            (
                p.structures.fichier.name,
                "structure_id_siae, structure_siret_actualise, structure_denomination, "
                "structure_adresse_gestion_… (ou _admin_…)",
                "lues",
            )
        )
    return lignes


def _colonnes_du_bilan(bilan: BilanASP) -> list[tuple[str, str, str]]:
    nom = bilan.fichier.name
    return (
        [(nom, f"« {entete} »", f"lue ({cle})") for cle, entete in bilan.colonnes.items()]
        + [
            (nom, f"« {entete} »", f"connue, non utilisée : {quoi}")
            for entete, quoi in bilan.connues
        ]
        + [
            (nom, f"« {entete} »", "inconnue : ignorée, jamais devinée")
            for entete in bilan.inconnues
        ]
    )


def _longueur(texte: str) -> tuple[int, str]:
    """Ordre des textes mesurés : par longueur, puis par texte (les mêmes à chaque exécution,
    quel que soit l'ordre d'un ensemble)."""
    return len(texte), texte
