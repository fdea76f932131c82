"""`simulation.xlsx` et la synthèse d'une page pour la commission (`synthese_commission.pdf`).

simulation.xlsx (docs/methode.md) : « Scénarios » (la méthode de chacun, ses totaux, ce qu'il
change par rapport à la référence et à la campagne précédente), « Structures » (par scénario :
taux effectif, montant modulé, rang dans le groupe, écarts), « Totaux » (par département et
type), « Écarts » (par scénario, les structures de la plus forte à la plus faible variation) et
« Graphiques » (taux par scénario ; les plus grands écarts). La synthèse d'une page est
dessinée directement en PDF (`documents.synthese_commission`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents.synthese_commission import ecrire_synthese_pdf
from iae_modulation.formats import montant_fr
from iae_modulation.methode import GROUPES, NOMS_COURTS, Methode, pourcent_fr
from iae_modulation.mise_en_page import (
    HAUTEUR_LIGNE,
    PAPIER_A4,
    impression,
    imprimer_par_zones,
    lignes_d_en_tete,
    lignes_renvoyees,
    texte_sur_la_largeur,
    zones,
)
from iae_modulation.simulation import NOM_SIMULATION, NOM_SYNTHESE, Simulation
from iae_modulation.texte_xml import ClasseurXlsx

FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_ECART = '+#,##0.00\\ "€";-#,##0.00\\ "€";0.00\\ "€"'
FORMAT_POURCENT = "0.00%"
TRANCHES = [f"{i} à {i + 1} %" for i in range(10)]
ECARTS_AU_GRAPHIQUE = 30  # structures montrées dans chaque graphique des écarts
LARGEUR_DEFAUT = 8.43  # colonne sans largeur posée (unités de colonne Excel)
LARGEUR_GRAPHIQUE = 760  # pixels
COLONNES_ECARTS = ["N° d'annexe", "Raison sociale", "Type", "Dép.", "Écart"]
LARGEURS_ECARTS = [18, 28, 6, 6, 14]


def decrire(methode: Methode, appliquee) -> str:
    """« rang ; groupes type × région ; poids publics 35 %, … ; plafond 10 % ; répartition
    plafond » : la méthode en une ligne de tableau."""
    poids = ", ".join(
        f"{NOMS_COURTS.get(c, c)} {pourcent_fr(p)}" for c, p in appliquee.poids.items()
    )
    sens = "".join(f" ({c} : {s})" for c, s in methode.sens)
    cible = (
        ""
        if methode.taux_moyen is None
        else f" (taux moyen visé {pourcent_fr(methode.taux_moyen)})"
    )
    return (
        f"{methode.notation} ; groupes {GROUPES[methode.groupes]} ; poids {poids}{sens} ; "
        f"plafond {pourcent_fr(appliquee.plafond)} ; répartition {methode.repartition}{cible}"
    )


def ecrire_simulation(simulation: Simulation, dossier: Path) -> None:
    """Écrit simulation.xlsx et la synthèse d'une page pour la commission (PDF)."""
    ecrire_synthese_pdf(simulation, dossier / NOM_SYNTHESE, decrire)
    ecrire_classeur(simulation, dossier / NOM_SIMULATION)


class _Ecrivain:
    def __init__(self, classeur: ClasseurXlsx) -> None:
        self.classeur = classeur
        self.positions_ecarts: dict[int, int] = {}
        self.f = {
            "titre": classeur.add_format({"bold": True, "font_size": 14}),
            "entete": classeur.add_format(
                {
                    "bold": True,
                    "text_wrap": True,
                    "valign": "top",
                    "bg_color": "#DDEBF7",
                    "border": 1,
                }
            ),
            "euros": classeur.add_format({"num_format": FORMAT_EUROS}),
            "ecart": classeur.add_format({"num_format": FORMAT_ECART}),
            "pourcent": classeur.add_format({"num_format": FORMAT_POURCENT}),
            "texte": classeur.add_format({"text_wrap": True, "valign": "top"}),
            "gras": classeur.add_format({"bold": True}),
            "gras_texte": classeur.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        }

    @staticmethod
    def imprimer(
        feuille,
        largeurs: Sequence[float],
        campagne: int,
        titre: str,
        lignes_repetees: int | None = 0,
    ) -> None:
        """A4, une page de large, en-têtes répétés, pied de page de la campagne assez grand
        pour s'imprimer en 8 points à l'échelle où le tableur réduit les colonnes `largeurs`
        (`mise_en_page.impression`, issue 16)."""
        reglage = impression(largeurs, titre=titre, campagne=campagne)
        feuille.set_paper(PAPIER_A4)
        if reglage.paysage:
            feuille.set_landscape()
        else:
            feuille.set_portrait()
        feuille.fit_to_pages(1, 0)
        feuille.set_margins(**reglage.marges)
        if lignes_repetees is not None:
            feuille.repeat_rows(lignes_repetees)
        feuille.set_footer(reglage.pied)

    def entetes(self, feuille, ligne: int, noms: list[str], largeurs: Sequence[float]) -> None:
        for j, (nom, largeur) in enumerate(zip(noms, largeurs, strict=True)):
            feuille.write_string(ligne, j, nom, self.f["entete"])
            feuille.set_column(j, j, largeur)

    def valeur(self, feuille, i: int, j: int, valeur, nature: str = "") -> None:
        """Une cellule : nombre (euros, écart, pourcentage) ou texte ; rien si vide."""
        if valeur is None or valeur == "":
            return
        if isinstance(valeur, Decimal | int | float) and not isinstance(valeur, bool):
            feuille.write_number(i, j, float(valeur), self.f.get(nature))
        else:
            feuille.write_string(i, j, str(valeur), self.f.get(nature))


def ecrire_classeur(simulation: Simulation, chemin: Path) -> Path:
    with ClasseurXlsx(str(chemin)) as classeur:
        classeur.set_properties(
            {
                "title": f"Simulation de méthodes — campagne {simulation.annee}",
                "author": "iae-modulation",
            }
        )
        ecrivain = _Ecrivain(classeur)
        _feuille_scenarios(ecrivain, simulation)
        _feuille_structures(ecrivain, simulation)
        _feuille_totaux(ecrivain, simulation)
        _feuille_ecarts(ecrivain, simulation)
        _feuille_graphiques(ecrivain, simulation)
    return chemin


def _noms(simulation: Simulation) -> list[str]:
    return [s.nom for s in simulation.scenarios]


def _feuille_scenarios(ecrivain: _Ecrivain, simulation: Simulation) -> None:
    feuille = ecrivain.classeur.add_worksheet("Scénarios")
    reference = simulation.scenarios[0].nom
    entetes = [
        "Scénario",
        "Méthode",
        "Fichier de méthode",
        "SHA-256 de la méthode",
        "Total modulé",
        "Taux moyen",
        f"Gagnent (/ {reference})",
        f"Perdent (/ {reference})",
        "Gains",
        "Pertes",
        "Plus forte hausse",
        "Plus forte baisse",
    ]
    largeurs = [28, 60, 30, 20, 16, 10, 12, 12, 14, 14, 40, 40]
    if simulation.precedent is not None:
        entetes += [
            f"Gagnent (/ {simulation.precedent.annee})",
            f"Perdent (/ {simulation.precedent.annee})",
        ]
        largeurs += [12, 12]
    # imprimée par zones, le scénario répété à gauche de chaque page : sur une page de large, la
    # feuille s'imprimait en 4,6 points (issue 16). Titre et textes, depuis la colonne B et
    # renvoyés à la ligne sur la largeur de la première page : plus larges, ils seraient coupés
    # d'une page à l'autre ; en colonne A, répétée, leur début s'imprimerait sur chaque page
    decoupe = zones(largeurs, 1)
    premiere = largeurs[1 : (decoupe.coupures or (len(largeurs),))[0]]
    feuille.write_string(
        0, 1, f"Comparaison de méthodes — campagne {simulation.annee}", ecrivain.f["titre"]
    )
    texte_sur_la_largeur(
        feuille,
        1,
        f"Référence : « {reference} » (le premier scénario). Pour retenir un scénario : "
        "iae-modulation calculer … --methode-fichier avec son fichier de méthode (mêmes "
        "montants, au centime).",
        premiere,
        ecrivain.f["texte"],
        premiere_colonne=1,
    )
    # année sans arrêté : en tête, avant les scénarios (issue 15, point 4)
    attention = [a for a in simulation.alertes if a.startswith("ATTENTION")]
    if attention:
        texte_sur_la_largeur(
            feuille,
            2,
            " ".join(attention),
            premiere,
            ecrivain.f["gras_texte"],
            gras=True,
            premiere_colonne=1,
        )
    ecrivain.entetes(feuille, 3, entetes, largeurs)
    lignes = max(map(lignes_d_en_tete, entetes, largeurs))
    feuille.set_row(3, HAUTEUR_LIGNE * lignes + 3)
    imprimer_par_zones(
        feuille,
        largeurs,
        titre="Scénarios comparés",
        campagne=simulation.annee,
        colonnes_repetees=1,
        lignes_repetees=(3, 3),
    )
    for i, (scenario, ligne) in enumerate(
        zip(simulation.scenarios, simulation.resume_scenarios.itertuples(index=False), strict=True),
        start=4,
    ):
        valeurs = [
            (scenario.nom, "texte"),
            (decrire(ligne.methode, ligne.appliquee), "texte"),
            (scenario.fichier, ""),
            (ligne.methode.sha256 or "", "texte"),  # 64 caractères, renvoyés à la ligne
            (ligne.total, "euros"),
            (ligne.taux_moyen, "pourcent"),
            (ligne.gagnent if i > 4 else None, ""),
            (ligne.perdent if i > 4 else None, ""),
            (ligne.gains if i > 4 else None, "ecart"),
            (ligne.pertes if i > 4 else None, "ecart"),
            (_extreme(ligne.hausse), "texte"),
            (_extreme(ligne.baisse), "texte"),
        ]
        if ligne.precedent is not None:
            valeurs += [(ligne.precedent[0], ""), (ligne.precedent[1], "")]
        for j, (valeur, nature) in enumerate(valeurs):
            ecrivain.valeur(feuille, i, j, valeur, nature)
        # la ligne a la hauteur du plus long texte renvoyé à la ligne : l'empreinte SHA-256
        # entière (64 caractères, quatre lignes), coupée avant à 45 points de haut (issue 16)
        lignes = max(
            lignes_renvoyees(str(valeur or ""), largeurs[j])
            for j, (valeur, nature) in enumerate(valeurs)
            if nature == "texte"
        )
        feuille.set_row(i, HAUTEUR_LIGNE * lignes + 2)
    autres = [a for a in simulation.alertes if not a.startswith("ATTENTION")]
    for i, alerte in enumerate(autres, start=5 + len(simulation.scenarios)):
        texte_sur_la_largeur(feuille, i, alerte, premiere, ecrivain.f["texte"], premiere_colonne=1)
    feuille.freeze_panes(4, 1)


def _extreme(ecart) -> str:
    if ecart is None:
        return ""
    montant, identifiant, nom = ecart
    return f"{identifiant} {nom} : {'+' if montant > 0 else ''}{montant_fr(montant)}"


def _feuille_structures(ecrivain: _Ecrivain, simulation: Simulation) -> None:
    """Une ligne par structure ; colonnes écrites d'un bloc (4 500 structures)."""
    feuille = ecrivain.classeur.add_worksheet("Structures")
    titre = "Simulation par structure"
    table = simulation.structures
    colonnes = [
        ("N° d'annexe financière", "identifiant", "", 18),
        ("Raison sociale", "raison_sociale", "", 32),
        ("Type", "type", "", 6),
        ("Département", "departement", "", 12),
        ("Région", "region", "", 18),
        ("Montant socle", "montant_socle", "euros", 14),
    ]
    if simulation.precedent is not None:
        annee = simulation.precedent.annee
        colonnes += [
            (f"{annee} — taux effectif", "taux_precedent", "pourcent", 10),
            (f"{annee} — montant modulé", "montant_precedent", "euros", 14),
        ]
    reference = simulation.scenarios[0].nom
    for k, nom in enumerate(_noms(simulation)):
        colonnes += [
            (f"{nom} — taux effectif", f"taux_{k}", "pourcent", 10),
            (f"{nom} — montant modulé", f"montant_{k}", "euros", 14),
            (f"{nom} — rang dans le groupe", f"rang_{k}", "", 8),
        ]
        if k:
            colonnes.append((f"{nom} — écart / {reference}", f"ecart_{k}", "ecart", 14))
        if simulation.precedent is not None:
            colonnes.append(
                (
                    f"{nom} — écart / {simulation.precedent.annee}",
                    f"ecart_precedent_{k}",
                    "ecart",
                    14,
                )
            )
    entetes, largeurs = [c[0] for c in colonnes], [c[3] for c in colonnes]
    ecrivain.entetes(feuille, 0, entetes, largeurs)
    feuille.set_row(0, HAUTEUR_LIGNE * max(map(lignes_d_en_tete, entetes, largeurs)) + 3)
    # imprimée par zones, n° d'annexe et raison sociale répétés à gauche de chaque page : sur une
    # page de large, trois scénarios l'imprimaient en 6,1 points (issue 16)
    imprimer_par_zones(
        feuille,
        largeurs,
        titre=titre,
        campagne=simulation.annee,
        colonnes_repetees=2,
        lignes_repetees=(0, 0),
    )
    for j, (_, cle, nature, _) in enumerate(colonnes):
        format_ = ecrivain.f.get(nature)
        if nature:
            for i, v in enumerate(table[cle].tolist(), start=1):
                if v is not None:
                    feuille._write_number(i, j, float(v), format_)
        else:
            for i, v in enumerate(table[cle].tolist(), start=1):
                if v is not None and v != "":
                    if isinstance(v, int | float):
                        feuille._write_number(i, j, float(v), None)
                    else:
                        feuille._write_string(i, j, str(v), None)
    feuille.freeze_panes(1, 2)
    feuille.autofilter(0, 0, len(table), len(colonnes) - 1)


def _feuille_totaux(ecrivain: _Ecrivain, simulation: Simulation) -> None:
    feuille = ecrivain.classeur.add_worksheet("Totaux")
    titre = "Totaux par département et type"
    reference = simulation.scenarios[0].nom
    colonnes = [
        ("Département", "departement", "", 12),
        ("Région", "region", "", 18),
        ("Type", "type", "", 6),
        ("Structures", "structures", "", 8),
        ("Montant socle", "montant_socle", "euros", 14),
    ]
    for k, nom in enumerate(_noms(simulation)):
        colonnes += [
            (f"{nom} — total modulé", f"total_{k}", "euros", 14),
            (f"{nom} — taux moyen", f"taux_{k}", "pourcent", 9),
        ]
        if k:
            colonnes += [
                (f"{nom} — gagnent / {reference}", f"gagnent_{k}", "", 9),
                (f"{nom} — perdent / {reference}", f"perdent_{k}", "", 9),
            ]
        if simulation.precedent is not None:
            annee = simulation.precedent.annee
            colonnes += [
                (f"{nom} — gagnent / {annee}", f"gagnent_precedent_{k}", "", 9),
                (f"{nom} — perdent / {annee}", f"perdent_precedent_{k}", "", 9),
            ]
    ecrivain.entetes(feuille, 0, [c[0] for c in colonnes], [c[3] for c in colonnes])
    feuille.set_row(0, 45)
    ecrivain.imprimer(feuille, [c[3] for c in colonnes], simulation.annee, titre, 0)
    for i, ligne in enumerate(simulation.totaux.to_dict("records"), start=1):
        for j, (_, cle, nature, _) in enumerate(colonnes):
            ecrivain.valeur(feuille, i, j, ligne.get(cle), nature)
    feuille.freeze_panes(1, 3)
    feuille.autofilter(0, 0, len(simulation.totaux), len(colonnes) - 1)


def _feuille_ecarts(ecrivain: _Ecrivain, simulation: Simulation) -> None:
    """Pour chaque scénario comparé à la référence : les structures de la plus forte variation
    (en valeur absolue) à la plus faible ; les graphiques montrent les premières."""
    feuille = ecrivain.classeur.add_worksheet("Écarts")
    largeurs = ([*LARGEURS_ECARTS, LARGEUR_DEFAUT] * (len(simulation.scenarios) - 1))[:-1]
    ecrivain.imprimer(
        feuille, largeurs or [LARGEUR_DEFAUT], simulation.annee, "Écarts par structure", 1
    )
    table = simulation.structures
    ecrivain.positions_ecarts = {}
    for k, nom in enumerate(_noms(simulation)[1:], start=1):
        colonne = 6 * (k - 1)
        feuille.write_string(
            0, colonne, f"{nom} — écart / {simulation.scenarios[0].nom}", ecrivain.f["gras"]
        )
        for j, (entete, largeur) in enumerate(zip(COLONNES_ECARTS, LARGEURS_ECARTS, strict=True)):
            feuille.write_string(1, colonne + j, entete, ecrivain.f["entete"])
            feuille.set_column(colonne + j, colonne + j, largeur)
        ecarts, identifiants = table[f"ecart_{k}"].tolist(), table["identifiant"].tolist()
        noms, types = table["raison_sociale"].tolist(), table["type"].tolist()
        departements = table["departement"].tolist()
        ordre = sorted(range(len(table)), key=lambda r: (-abs(ecarts[r]), identifiants[r]))
        for i, r in enumerate(ordre, start=2):
            feuille.write_string(i, colonne, identifiants[r])
            feuille.write_string(i, colonne + 1, str(noms[r]))
            feuille.write_string(i, colonne + 2, types[r])
            feuille.write_string(i, colonne + 3, departements[r])
            feuille.write_number(i, colonne + 4, float(ecarts[r]), ecrivain.f["ecart"])
        ecrivain.positions_ecarts[k] = colonne
    if len(simulation.scenarios) == 1:
        feuille.write_string(0, 0, "Un seul scénario : aucun écart à montrer.")


def _feuille_graphiques(ecrivain: _Ecrivain, simulation: Simulation) -> None:
    feuille = ecrivain.classeur.add_worksheet("Graphiques")
    table = simulation.structures
    noms = _noms(simulation)
    # les colonnes jusqu'aux graphiques, puis les graphiques (largeur en unités de colonne)
    largeurs = [14, *[LARGEUR_DEFAUT] * (len(noms) + 1), (LARGEUR_GRAPHIQUE - 5) / 7]
    ecrivain.imprimer(feuille, largeurs, simulation.annee, "Graphiques de la simulation", None)
    feuille.write_string(0, 0, "Taux effectif", ecrivain.f["entete"])
    for k, nom in enumerate(noms, start=1):
        feuille.write_string(0, k, nom, ecrivain.f["entete"])
    for i, tranche in enumerate(TRANCHES, start=1):
        feuille.write_string(i, 0, tranche)
    for k in range(len(noms)):
        comptes = [0] * len(TRANCHES)
        for taux in table[f"taux_{k}"]:
            if taux is not None:
                comptes[min(int(taux * 100), len(TRANCHES) - 1)] += 1
        for i, compte in enumerate(comptes, start=1):
            feuille.write_number(i, k + 1, compte)
    graphique = ecrivain.classeur.add_chart({"type": "column"})
    for k in range(len(noms)):
        graphique.add_series(
            {
                "name": ["Graphiques", 0, k + 1],
                "categories": ["Graphiques", 1, 0, len(TRANCHES), 0],
                "values": ["Graphiques", 1, k + 1, len(TRANCHES), k + 1],
            }
        )
    graphique.set_title({"name": "Taux effectifs par scénario (nombre de structures)"})
    graphique.set_x_axis({"name": "Taux effectif (montant modulé ÷ socle)"})
    graphique.set_y_axis({"name": "Structures"})
    graphique.set_size({"width": LARGEUR_GRAPHIQUE, "height": 360})
    feuille.insert_chart(0, len(noms) + 2, graphique)
    feuille.set_column(0, 0, 14)
    for k, colonne in getattr(ecrivain, "positions_ecarts", {}).items():
        nombre = min(ECARTS_AU_GRAPHIQUE, len(table))
        barres = ecrivain.classeur.add_chart({"type": "bar"})
        barres.add_series(
            {
                "name": f"{noms[k]} − {noms[0]}",
                "categories": ["Écarts", 2, colonne, 1 + nombre, colonne],
                "values": ["Écarts", 2, colonne + 4, 1 + nombre, colonne + 4],
            }
        )
        barres.set_title(
            {
                "name": f"Écarts par structure, « {noms[k]} » − « {noms[0]} » (les {nombre} "
                "plus grands)"
            }
        )
        # graphique en barres : l'axe « y » d'XlsxWriter est celui des structures
        barres.set_y_axis({"reverse": True, "label_position": "low"})
        barres.set_x_axis({"num_format": '#,##0\\ "€"'})
        barres.set_legend({"none": True})
        barres.set_size({"width": LARGEUR_GRAPHIQUE, "height": 520})
        feuille.insert_chart(20 + 28 * (k - 1), len(noms) + 2, barres)
