"""`resultats.xlsx` : les résultats d'une campagne mis en forme pour les agents.

Feuilles : Résultats (une ligne par structure, en-têtes français, formats € et %, en-tête figé,
filtres), Synthèse (par région et type : structures, socle, modulé, taux moyen, enveloppe) et
Répartition (nombre de structures par tranche de taux et par type, avec son graphique).
Imprimés en 8 points au moins : Résultats, table entière à l'écran, par zones
(`imprimer_par_zones`, colonnes réparties sur des pages A4 en paysage, n° d'annexe, SIRET et
raison sociale répétés à gauche de chaque page) ; sa justification et ses anomalies, longues,
sont à la fin de la table et s'impriment, renvoyées à la ligne, dans la feuille Justifications.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from iae_modulation.colonnes import (
    COLONNES_EFFECTIF,
    COLONNES_ETP,
    COLONNES_FRACTION,
    COLONNES_MONTANT,
    COLONNES_RANG,
    COLONNES_TERMES,
    colonnes_du_grand_livre,
    optionnels_des_colonnes,
)
from iae_modulation.formats import montant_fr
from iae_modulation.indicateurs import CRITERES_OPTIONNELS
from iae_modulation.mise_en_page import (
    HAUTEUR_LIGNE,
    Colonne,
    imprimer,
    imprimer_par_zones,
    lignes_d_en_tete,
    lignes_de_texte,
    poser_colonnes,
    texte_affiche,
    texte_sur_la_largeur,
)
from iae_modulation.referentiel import TYPES_SIAE
from iae_modulation.texte_xml import ClasseurXlsx

ENTETES = {
    "identifiant": "N° d'annexe financière",
    "siret": "SIRET",
    "raison_sociale": "Raison sociale",
    "type": "Type",
    "departement": "Département",
    "region": "Région",
    "annee": "Campagne",
    "groupe": "Groupe de comparaison",
    "publics": "Publics (part minima sociaux)",
    "effort": "Effort d'insertion (ETP encadrement / insertion)",
    "resultats": "Résultats (sorties dynamiques)",
    "score_publics": "Score publics",
    "score_effort": "Score effort",
    "score_resultats": "Score résultats",
    "poids_publics": "Poids publics",
    "poids_effort": "Poids effort",
    "poids_resultats": "Poids résultats",
    "plafond_methode": "Plafond de la méthode",
    "plafond": "Plafond de la structure",
    "motif_taux": "Motif du taux",
    "taux_calcule": "Taux calculé",
    "montant_socle": "Montant socle",
    "montant_avant_enveloppe": "Montant avant enveloppe (socle × taux calculé)",
    "repartition": "Répartition de l'enveloppe",
    "taux_moyen_cible": "Taux moyen visé",
    "enveloppe_region": "Enveloppe régionale",
    "enveloppe_disponible": "Enveloppe disponible (répartie)",
    "total_avant_enveloppe": "Total avant enveloppe (réparti)",
    "montant_module": "Montant modulé",
    "taux_effectif": "Taux effectif après enveloppe (modulé ÷ socle)",
    "montant_verse_2014": "Montant modulé versé en 2014",
    "etp_conventionnes_2014": "ETP conventionnés 2014",
    "etp_realises_2014": "ETP réalisés 2014",
    "regularisation": "Régularisation 2014",
    "reste_a_deduire": "Reste à déduire de l'aide au poste",
    "montant_net": "Montant net à verser",
    "taux_precedent": "Taux effectif de la campagne précédente",
    "montant_precedent": "Montant modulé de la campagne précédente",
    "methode": "Méthode",
    "notation": "Notation des scores",
    "justification": "Justification",
    "anomalies": "Anomalies et remarques",
    "adresse": "Adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "nb_beneficiaires_minima": "Bénéficiaires de minima sociaux",
    "nb_salaries_insertion": "Salariés en insertion",
    "rang_publics": "Rang publics",
    "effectif_publics": "Effectif comparé publics",
    "etp_encadrement": "ETP d'encadrement",
    "etp_insertion": "ETP en insertion",
    "rang_effort": "Rang effort",
    "effectif_effort": "Effectif comparé effort",
    "sorties_dynamiques": "Sorties dynamiques",
    "sorties_totales": "Sorties totales",
    "rang_resultats": "Rang résultats",
    "effectif_resultats": "Effectif comparé résultats",
}
for _nom, _critere in CRITERES_OPTIONNELS.items():
    ENTETES |= {
        _critere.colonne: _critere.libelle,
        f"part_{_nom}": f"Part {_nom}",
        f"score_{_nom}": f"Score {_nom}",
        f"poids_{_nom}": f"Poids {_nom}",
        f"sens_{_nom}": f"Sens {_nom} (plus : une part plus élevée est meilleure)",
        f"rang_{_nom}": f"Rang {_nom}",
        f"effectif_{_nom}": f"Effectif comparé {_nom}",
    }
# largeur au-delà de laquelle le texte est coupé (Résultats) ou passe à la ligne (Justifications)
LARGEURS = {"raison_sociale": 34, "region": 24, "justification": 90, "anomalies": 60}
COLONNES_REPETEES = 3  # n° d'annexe, SIRET, raison sociale : à gauche de chaque page imprimée
# à la fin de Résultats (hors de la zone imprimée) et dans Justifications, renvoyées à la ligne
A_PART = ("justification", "anomalies")
JUSTIFICATIONS = {"identifiant": 16, "raison_sociale": 28, "justification": 75, "anomalies": 52}
ECHANTILLON_LARGEUR = 30  # textes les plus longs mesurés pour la largeur d'une colonne
FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_POURCENT = "0.00%"
FORMAT_SCORE = "0.0000"
FORMAT_ETP = "0.00"
TRANCHES = [f"{i} à {i + 1} %" for i in range(10)]


def _nombre(valeur: Decimal | None) -> float | None:
    """Valeur numérique pour Excel : le montant exact est déjà arrondi au centime ; Excel stocke
    des doubles, la conversion se fait ici seulement, à l'écriture."""
    return None if valeur is None else float(valeur)


def ecrire_resultats_xlsx(
    resultats: pd.DataFrame, enveloppes: pd.DataFrame, chemin: Path, titre: str
) -> Path:
    classeur = ClasseurXlsx(str(chemin))
    classeur.set_properties({"title": titre, "author": "iae-modulation"})
    formats = {
        "entete": classeur.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        ),
        "euros": classeur.add_format({"num_format": FORMAT_EUROS, "valign": "top"}),
        "pourcent": classeur.add_format({"num_format": FORMAT_POURCENT, "valign": "top"}),
        "score": classeur.add_format({"num_format": FORMAT_SCORE, "valign": "top"}),
        "etp": classeur.add_format({"num_format": FORMAT_ETP, "valign": "top"}),
        "nombre": classeur.add_format({"num_format": "General", "valign": "top"}),
        "texte": classeur.add_format({"valign": "top"}),
        "renvoye": classeur.add_format({"text_wrap": True, "valign": "top"}),
        "titre": classeur.add_format({"bold": True, "font_size": 14}),
        "titre_renvoye": classeur.add_format(
            {"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"}
        ),
        "total": classeur.add_format({"bold": True, "num_format": FORMAT_EUROS, "top": 1}),
    }
    campagne = str(resultats["annee"].iloc[0]) if len(resultats) else ""
    _feuille_resultats(classeur, resultats, formats, campagne)
    _feuille_justifications(classeur, resultats, formats, campagne)
    _feuille_synthese(classeur, resultats, enveloppes, formats, titre, campagne)
    _feuille_repartition(classeur, resultats, formats, campagne)
    classeur.close()
    return Path(chemin)


def _nature(colonne: str) -> str:
    if colonne in COLONNES_MONTANT:
        return "euros"
    if colonne.startswith("score_"):
        return "score"
    if colonne in COLONNES_ETP:
        return "etp"
    if colonne in COLONNES_FRACTION or colonne.startswith(("part_", "poids_")):
        return "pourcent"
    if colonne in COLONNES_TERMES + COLONNES_RANG + COLONNES_EFFECTIF or colonne.startswith(
        ("rang_", "effectif_", "nb_")
    ):
        return "nombre"
    return "texte"


def _feuille_resultats(classeur, resultats: pd.DataFrame, formats: dict, campagne: str) -> None:
    """Une ligne par structure. Chaque colonne est écrite d'un bloc, cellule après cellule par
    l'écriture directe d'XlsxWriter (sans l'aiguillage par type de `write`), le format étant
    celui de la colonne ; les cellules vides ne sont pas écrites."""
    feuille = classeur.add_worksheet("Résultats")
    noms = colonnes_du_classeur(resultats)
    colonnes = []
    for j, colonne in enumerate(noms):
        feuille.write_string(0, j, ENTETES[colonne], formats["entete"])
        nature = _nature(colonne)
        valeurs = resultats[colonne].tolist()
        cellules: list[tuple[int, float | str]]
        if nature != "texte":
            ecrire = feuille._write_number
            cellules = [(i, float(v)) for i, v in enumerate(valeurs, 1) if v is not None]
            plus_grand = max((v for v in valeurs if v is not None), default=None)
            textes = [texte_affiche(plus_grand, "taux" if nature == "pourcent" else nature)]
        else:
            ecrire = feuille._write_string
            cellules = [(i, str(v)) for i, v in enumerate(valeurs, 1) if v]
            textes = sorted((str(v) for _, v in cellules), key=len)[-ECHANTILLON_LARGEUR:]
        for i, v in cellules:
            ecrire(i, j, v, None)
        colonnes.append(Colonne(ENTETES[colonne], textes, maximum=LARGEURS.get(colonne, 34)))
    largeurs = poser_colonnes(
        feuille, colonnes, None, {j: formats[_nature(c)] for j, c in enumerate(noms)}
    )
    lignes = max(lignes_d_en_tete(c.entete, w) for c, w in zip(colonnes, largeurs, strict=True))
    feuille.set_row(0, HAUTEUR_LIGNE * lignes + 3)
    imprimer_par_zones(
        feuille,
        largeurs,
        titre="Résultats de la modulation",
        campagne=campagne,
        colonnes_repetees=COLONNES_REPETEES,
        lignes_repetees=(0, 0),
        derniere_colonne=noms.index(A_PART[0]) - 1,
    )
    feuille.freeze_panes(1, 1)
    feuille.autofilter(0, 0, len(resultats), len(noms) - 1)


def colonnes_du_classeur(resultats: pd.DataFrame) -> list[str]:
    """Les colonnes de la feuille Résultats : celles du grand livre, dans son ordre, la
    justification et les anomalies à la fin."""
    noms = colonnes_du_grand_livre(optionnels_des_colonnes(resultats.columns))
    return [c for c in noms if c not in A_PART] + list(A_PART)


def _feuille_justifications(classeur, resultats: pd.DataFrame, formats: dict, campagne) -> None:
    """La justification et les anomalies de chaque structure, renvoyées à la ligne pour
    l'impression (une page de large) : chaque saut de ligne du texte commence une ligne."""
    feuille = classeur.add_worksheet("Justifications")
    largeurs = list(JUSTIFICATIONS.values())
    for j, (colonne, largeur_) in enumerate(JUSTIFICATIONS.items()):
        feuille.write_string(0, j, ENTETES[colonne], formats["entete"])
        feuille.set_column(j, j, largeur_, formats["renvoye"])
    entete = max(lignes_d_en_tete(ENTETES[c], w) for c, w in JUSTIFICATIONS.items())
    feuille.set_row(0, HAUTEUR_LIGNE * entete + 3)
    textes = zip(*(resultats[c].tolist() for c in JUSTIFICATIONS), strict=True)
    for rang, cellules in enumerate(textes, start=1):
        lignes = 1
        for j, (texte, largeur_) in enumerate(zip(cellules, largeurs, strict=True)):
            if texte:
                feuille._write_string(rang, j, str(texte), None)
                morceaux = str(texte).split("\n")
                lignes = max(lignes, sum(lignes_de_texte(m, largeur_) for m in morceaux))
        if lignes > 1:
            feuille.set_row(rang, HAUTEUR_LIGNE * lignes + 2)
    imprimer(
        feuille,
        largeurs,
        titre="Justification de chaque taux",
        campagne=campagne,
        lignes_repetees=(0, 0),
    )
    feuille.freeze_panes(1, 0)


def _feuille_synthese(classeur, resultats, enveloppes, formats, titre, campagne) -> None:
    feuille = classeur.add_worksheet("Synthèse")
    entetes = [
        "Région",
        "Type",
        "Structures",
        "Montant socle",
        "Montant modulé",
        "Taux moyen",
        "Montant net",
    ]
    for j, texte in enumerate(entetes):
        feuille.write_string(2, j, texte, formats["entete"])
    ligne = 3
    groupes = resultats.groupby(["region", "type"], sort=True)
    textes: list[list[str]] = []
    for (region, type_siae), groupe in groupes:
        socle = sum(groupe["montant_socle"], Decimal(0))
        module = sum(groupe["montant_module"], Decimal(0))
        net = sum(groupe["montant_net"], Decimal(0))
        feuille.write_string(ligne, 0, region)
        feuille.write_string(ligne, 1, type_siae)
        feuille.write_number(ligne, 2, len(groupe))
        feuille.write_number(ligne, 3, _nombre(socle), formats["euros"])
        feuille.write_number(ligne, 4, _nombre(module), formats["euros"])
        feuille.write_number(ligne, 5, _nombre(module / socle) if socle else 0, formats["pourcent"])
        feuille.write_number(ligne, 6, _nombre(net), formats["euros"])
        textes.append([region, type_siae, "", montant_fr(socle), montant_fr(module), "", ""])
        ligne += 1
    feuille.write_string(ligne, 0, "Total", formats["entete"])
    for j, colonne in ((3, "montant_socle"), (4, "montant_module"), (6, "montant_net")):
        total = sum(resultats[colonne], Decimal(0))
        feuille.write_number(ligne, j, _nombre(total), formats["total"])
        textes.append([""] * j + [montant_fr(total)] + [""] * (6 - j))
    ligne += 3
    feuille.write_string(ligne - 1, 0, "Enveloppes régionales", formats["titre"])
    entetes_enveloppes = [
        "Région",
        "Enveloppe",
        "Total avant enveloppe",
        "Total modulé",
        "Enveloppe utilisée",
        "Reliquat",
    ]
    for j, texte in enumerate(entetes_enveloppes):
        feuille.write_string(ligne, j, texte, formats["entete"])
    for k, env in enumerate(enveloppes.itertuples(index=False), start=ligne + 1):
        feuille.write_string(k, 0, env.region)
        if env.enveloppe is None:
            feuille.write_string(k, 1, "sans enveloppe")
        else:
            feuille.write_number(k, 1, _nombre(env.enveloppe), formats["euros"])
            if env.enveloppe:  # une enveloppe de 0 € n'a pas de taux d'utilisation
                utilisation = _nombre(env.total_module / env.enveloppe)
                feuille.write_number(k, 4, utilisation, formats["pourcent"])
            feuille.write_number(k, 5, _nombre(env.reliquat), formats["euros"])
        feuille.write_number(k, 2, _nombre(env.total_avant_enveloppe), formats["euros"])
        feuille.write_number(k, 3, _nombre(env.total_module), formats["euros"])
        textes.append(
            [
                env.region,
                "sans enveloppe"
                if env.enveloppe is None
                else texte_affiche(env.enveloppe, "euros"),
                texte_affiche(env.total_avant_enveloppe, "euros"),
                "",
                "",
                "",
            ]
        )
    colonnes = [
        Colonne(
            f"{entetes[j]} {entetes_enveloppes[j] if j < 6 else ''}".strip(),
            [t[j] for t in textes if j < len(t)],
        )
        for j in range(len(entetes))
    ]
    largeurs = poser_colonnes(feuille, colonnes, None)
    # le titre renvoyé à la ligne sur la largeur du tableau : débordant, LibreOffice l'imprimait
    # en réduisant la feuille à 80 %, pied de page en 7,2 points (issue 16)
    texte_sur_la_largeur(
        feuille, 0, titre, largeurs, formats["titre_renvoye"], gras=True, taille=14
    )
    for rang, noms in ((2, entetes), (ligne, entetes_enveloppes)):
        hauteur = max(lignes_d_en_tete(n, w) for n, w in zip(noms, largeurs, strict=False))
        feuille.set_row(rang, HAUTEUR_LIGNE * hauteur + 3)
    imprimer(feuille, largeurs, titre="Synthèse de la modulation", campagne=campagne)


def _feuille_repartition(classeur, resultats: pd.DataFrame, formats: dict, campagne: str) -> None:
    """Nombre de structures par tranche d'un point de taux, par type, et son histogramme."""
    feuille = classeur.add_worksheet("Répartition")
    types = [t for t in TYPES_SIAE if t in set(resultats["type"])]
    feuille.write_string(0, 0, "Tranche de taux", formats["entete"])
    for j, type_siae in enumerate(types, start=1):
        feuille.write_string(0, j, type_siae, formats["entete"])
    tranches = [min(int(t * 100), 9) for t in resultats["taux_calcule"]]
    comptes = pd.crosstab(pd.Series(tranches, name="tranche"), resultats["type"].to_numpy())
    for i, libelle in enumerate(TRANCHES, start=1):
        feuille.write_string(i, 0, libelle)
        for j, type_siae in enumerate(types, start=1):
            present = (i - 1) in comptes.index and type_siae in comptes.columns
            feuille.write_number(i, j, int(comptes.at[i - 1, type_siae]) if present else 0)
    graphique = classeur.add_chart({"type": "column"})
    for j in range(1, len(types) + 1):
        graphique.add_series(
            {
                "name": ["Répartition", 0, j],
                "categories": ["Répartition", 1, 0, len(TRANCHES), 0],
                "values": ["Répartition", 1, j, len(TRANCHES), j],
            }
        )
    graphique.set_title({"name": "Répartition des taux de modulation par type"})
    graphique.set_x_axis({"name": "Taux calculé"})
    graphique.set_y_axis({"name": "Nombre de structures"})
    graphique.set_size({"width": 760, "height": 400})
    feuille.insert_chart(1, len(types) + 2, graphique)
    feuille.set_column(0, 0, 16)
    # le graphique (760 points) occupe l'équivalent d'une vingtaine de colonnes
    largeurs = [16] + [8.43] * (len(types) + 1) + [8.43] * 12
    imprimer(feuille, largeurs, titre="Répartition des taux de modulation", campagne=campagne)
