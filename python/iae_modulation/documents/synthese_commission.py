"""La synthèse d'une page pour la commission (`synthese_commission.pdf`), dessinée directement
(fpdf2, comme les fiches de dialogue de gestion) depuis la simulation : les méthodes comparées,
ce que chacune change par rapport à la référence, pour qui (par type, plus fortes hausse et
baisse, gagnants et perdants) et à quel total, et un graphique du total modulé par type.

Tous les montants viennent des calculs de la simulation (`simulation.Simulation`), ceux-là
mêmes que `calculer --methode-fichier` refait pour le scénario retenu.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from iae_modulation.documents.fiche_pdf import EN_TETE, FONCE, LARGEUR_UTILE, _cp1252, _Page
from iae_modulation.documents.fiches import Tableau
from iae_modulation.documents.mots_dates import MotsDates, date_de_l_acte
from iae_modulation.formats import date_fr, montant_fr, taux_fr
from iae_modulation.referentiel import TYPES_SIAE

COULEURS = [(68, 114, 196), (237, 125, 49), (112, 173, 71), (165, 165, 165), (255, 192, 0),
            (91, 155, 213), (38, 68, 120), (158, 72, 14)]  # fmt: skip
HAUTEUR_GRAPHIQUE = 48.0  # mm


def _ecart(montant: Decimal) -> str:
    return f"{'+' if montant > 0 else ''}{montant_fr(montant)}"


def _extreme(ecart) -> str:
    montant, identifiant, nom = ecart
    return f"{identifiant} {nom} ({_ecart(montant)})"


def ce_qui_change(simulation, k: int, ligne) -> str:
    """« « B » par rapport à « A » : … structures gagnent (…), … perdent (…) ; par type : … ;
    plus forte hausse : … ; plus forte baisse : … »."""
    table = simulation.structures
    reference = simulation.scenarios[0].nom
    ecarts: dict[str, Decimal] = {}
    for t, ecart in zip(table["type"].tolist(), table[f"ecart_{k}"].tolist(), strict=True):
        ecarts[t] = ecarts.get(t, Decimal(0)) + ecart
    par_type = [f"{t} {_ecart(ecarts[t])}" for t in TYPES_SIAE if t in ecarts]
    texte = (
        f"« {ligne.nom} » par rapport à « {reference} » : {ligne.gagnent} structure(s) gagnent "
        f"({_ecart(ligne.gains)} au total), {ligne.perdent} perdent ({_ecart(ligne.pertes)}), "
        f"solde {_ecart(ligne.gains + ligne.pertes)} ; par type : {', '.join(par_type)}"
    )
    if ligne.hausse is not None and ligne.hausse[0] > 0:
        texte += f" ; plus forte hausse : {_extreme(ligne.hausse)}"
    if ligne.baisse is not None and ligne.baisse[0] < 0:
        texte += f" ; plus forte baisse : {_extreme(ligne.baisse)}"
    return texte + "."


def instance_consultee(annee: int, jour: dt.date) -> str:
    """L'instance départementale consultée sur l'IAE à la date de la campagne (paramètre
    `mot_instance_departementale_iae` : CDIAE, instruction DGEFP n° 2014-2, § 3 ; commission
    spécialisée du comité départemental pour l'emploi depuis le 1er juillet 2024, décret
    n° 2024-560), lue comme dans les lettres (`mots_dates.date_de_l_acte`)."""
    mots = MotsDates(annee, date_de_l_acte(annee, jour))
    return mots.mot("instance_departementale_iae", "mot_instance_departementale_iae")


def ecrire_synthese_pdf(simulation, chemin: Path, decrire) -> Path:
    """La page de synthèse ; `decrire(methode, appliquee)` : la méthode en une ligne."""
    table = simulation.structures
    noms = [s.nom for s in simulation.scenarios]
    lignes = list(simulation.resume_scenarios.itertuples(index=False))
    pdf = _Page(
        f"Simulation de méthodes – campagne {simulation.annee} – établie le "
        f"{date_fr(dt.date.today())} par iae-modulation simuler"
    )
    pdf.texte(
        f"Comparaison de méthodes pour la commission – campagne {simulation.annee}",
        13,
        gras=True,
        apres=0.8,
    )
    instance = instance_consultee(simulation.annee, dt.date.today())
    if instance:
        pdf.texte(f"Pour l'instance départementale de l'IAE : {instance}.", 9, apres=0.8)
    socle = sum(table["montant_socle"], Decimal(0))
    pdf.texte(
        f"{len(table)} structures, montant socle total {montant_fr(socle)}. Référence : "
        f"« {noms[0]} ». Montants : montant modulé de l'année, après répartition de "
        "l'enveloppe ; pour retenir un scénario, « calculer » avec son fichier de méthode "
        "donne les mêmes montants, au centime.",
        8,
        apres=1.5,
    )
    # année sans arrêté, valeurs non lues dans le texte : dites à la commission (issue 15)
    for alerte in simulation.alertes:
        attention = alerte.startswith("ATTENTION")
        pdf.texte(alerte, 8 if attention else 7, gras=attention, apres=0.8)
    pdf.titre("Les méthodes comparées (notation ; groupes ; poids ; plafond ; répartition)")
    for scenario, ligne in zip(simulation.scenarios, lignes, strict=True):
        pdf.texte(f"{scenario.nom} : {decrire(ligne.methode, ligne.appliquee)}", 8, apres=0.8)
    pdf.titre("Ce que chacune verse")
    colonnes = ["Scénario", "Total modulé", "Taux moyen", "Gagnent", "Perdent", "Solde"]
    pdf.tableau(
        Tableau(
            colonnes,
            [
                [
                    ligne.nom,
                    montant_fr(ligne.total),
                    taux_fr(ligne.taux_moyen or Decimal(0)),
                    str(ligne.gagnent) if k else "référence",
                    str(ligne.perdent) if k else "",
                    _ecart(ligne.gains + ligne.pertes) if k else "",
                ]
                for k, ligne in enumerate(lignes)
            ],
        ),
        premiere=42.0,
    )
    types_des_structures = table["type"].tolist()
    types = [t for t in TYPES_SIAE if t in set(types_des_structures)]
    totaux = dict.fromkeys(((t, k) for t in types for k in range(len(noms))), Decimal(0))
    for k in range(len(noms)):
        for t, montant in zip(types_des_structures, table[f"montant_{k}"].tolist(), strict=True):
            totaux[(t, k)] += montant
    pdf.titre("Total modulé par type")
    pdf.tableau(
        Tableau(
            ["Type", "Structures", *noms],
            [
                [t, str(types_des_structures.count(t)),
                 *(montant_fr(totaux[(t, k)]) for k in range(len(noms)))]
                for t in types
            ],
        ),
        premiere=20.0,
    )  # fmt: skip
    if len(noms) > 1:
        pdf.titre("Ce que change chaque scénario, pour qui")
        for k, ligne in enumerate(lignes[1:], start=1):
            pdf.texte(ce_qui_change(simulation, k, ligne), 8, apres=1.2)
    if simulation.precedent is not None:
        annee = simulation.precedent.annee
        pdf.texte(
            f"Par rapport à {annee} : "
            + " ; ".join(
                f"« {ligne.nom} » : {ligne.precedent[0]} structure(s) gagnent, "
                f"{ligne.precedent[1]} perdent"
                for ligne in lignes
            )
            + ".",
            8,
            apres=1.2,
        )
    _graphique(pdf, types, noms, totaux)
    pdf.output(str(chemin))
    return Path(chemin)


def _graphique(pdf: _Page, types: list[str], noms: list[str], totaux: dict) -> None:
    """Colonnes groupées : le total modulé de chaque type, un scénario par couleur."""
    pdf.titre("Total modulé par type et par scénario")
    haut = pdf.get_y()
    if haut + HAUTEUR_GRAPHIQUE + 12 > pdf.page_break_trigger:
        return  # la page est pleine : le tableau ci-dessus dit les mêmes montants
    gauche, largeur = pdf.l_margin + 22, LARGEUR_UTILE - 22
    maximum = max(totaux.values(), default=Decimal(0)) or Decimal(1)
    bas = haut + HAUTEUR_GRAPHIQUE
    pdf.set_draw_color(*FONCE)
    pdf.set_line_width(0.2)
    pdf.set_font("helvetica", size=6.5)
    for k in range(5):
        valeur = maximum * k / 4
        y = bas - HAUTEUR_GRAPHIQUE * k / 4
        pdf.set_draw_color(*EN_TETE)
        pdf.line(gauche, y, gauche + largeur, y)
        texte = _cp1252(montant_fr(valeur.quantize(Decimal(1))).replace(",00", ""))
        pdf.text(gauche - 1.5 - pdf.get_string_width(texte), y + 1, texte)
    pdf.set_draw_color(*FONCE)
    pdf.line(gauche, bas, gauche + largeur, bas)
    place = largeur / max(len(types), 1)
    barre = min(place * 0.8 / max(len(noms), 1), 12.0)
    for i, t in enumerate(types):
        debut = gauche + i * place + (place - barre * len(noms)) / 2
        for k in range(len(noms)):
            hauteur = float(totaux[(t, k)] / maximum) * HAUTEUR_GRAPHIQUE
            pdf.set_fill_color(*COULEURS[k % len(COULEURS)])
            pdf.rect(debut + k * barre, bas - hauteur, barre, hauteur, style="F")
        pdf.set_font("helvetica", size=7.5)
        pdf.text(gauche + i * place + place / 2 - pdf.get_string_width(t) / 2, bas + 3.5, t)
    x = gauche
    for k, nom in enumerate(noms):
        pdf.set_fill_color(*COULEURS[k % len(COULEURS)])
        pdf.rect(x, bas + 6, 3, 3, style="F")
        libelle = _cp1252(nom)
        pdf.text(x + 4, bas + 8.6, libelle)
        x += 8 + pdf.get_string_width(libelle)
    pdf.set_xy(pdf.l_margin, bas + 12)
