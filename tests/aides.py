"""Outils communs aux tests de bout en bout : fichiers de démonstration, empreintes, commande."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

from iae_modulation.cli import main
from iae_modulation.commandes.demo import dossier_demo

DEMO = dossier_demo()
DONNEES = DEMO / "donnees_demo.csv"
EXPORT_ACI = DEMO / "exports" / "ACI.xlsx"
# FluxIAE réel publié (extrait, sans ligne « FIN… ») : lu dans shared/, jamais versé au dépôt
ECHANTILLON = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "fluxIAE_AnnexeFinanciere_22022022_112211.csv.gz"
)


def echantillon_avec_fin(dossier: Path) -> Path:
    """L'échantillon réel complété, le temps du test, de la ligne « FIN… » d'un export entier."""
    chemin = Path(dossier) / ECHANTILLON.name
    with gzip.open(ECHANTILLON, "rb") as source, gzip.open(chemin, "wb") as cible:
        shutil.copyfileobj(source, cible)
        cible.write(b"FINAnnexeFinanciere07022022_063004" + b"|" * 127 + b"\n")
    return chemin


def empreinte(chemin: Path) -> str:
    """SHA-256 d'un fichier (pour vérifier qu'une entrée n'a pas été modifiée)."""
    return hashlib.sha256(Path(chemin).read_bytes()).hexdigest()


def calculer(sortie: Path, annee: int, *options: str, donnees: Path = DONNEES) -> int:
    """`iae-modulation calculer` sur les données de démonstration (ou `donnees`)."""
    return main(
        ["calculer", str(donnees), "--annee", str(annee), "--sortie", str(sortie), *options]
    )


def sortie_capturee(capsys) -> str:
    """Sortie standard et d'erreur de la commande, ensemble."""
    capture = capsys.readouterr()
    return capture.out + capture.err


def grand_livre(chemin: Path, annee: int | None = None):
    """Le grand livre relu et vérifié (`resultats.lire_grand_livre`), en table pandas."""
    import pandas as pd
    from iae_modulation.resultats import lire_grand_livre

    return pd.DataFrame(lire_grand_livre(chemin, annee).lignes)


def ligne_de_grand_livre(identifiant: str, type_: str, departement: str, **valeurs) -> dict:
    """Une ligne de grand livre cohérente : les colonnes calculées (avant enveloppe, modulé,
    taux effectif, régularisation, net) sont déduites de celles données, par les fonctions du
    calcul ; les autres valent celles de la démo (ACI051230010)."""
    from decimal import Decimal

    from iae_modulation.montants import montant_module, montant_reduit, taux_effectif
    from iae_modulation.regularisation import Versement2014, regulariser
    from iae_modulation.resultats import COLONNES_RESULTATS

    ligne = dict.fromkeys(COLONNES_RESULTATS)
    ligne.update(
        annee="2026",
        identifiant=identifiant,
        siret="",
        raison_sociale=f"Nom du calcul {identifiant}",
        type=type_,
        departement=departement,
        region="Grand Est",
        motif_taux="classement",
        methode="rang",
        justification="",
        anomalies="",
        publics=Decimal("0.4545"),
        effort=Decimal("0.4033"),
        resultats=Decimal("0.7"),
        score_publics=Decimal("0.1053"),
        score_effort=Decimal("0.8947"),
        score_resultats=Decimal("1"),
        taux_calcule=Decimal("0.0645"),
        montant_socle=Decimal("215528.21"),
    )
    ligne.update(valeurs)
    ligne["montant_avant_enveloppe"] = montant_module(ligne["montant_socle"], ligne["taux_calcule"])
    ligne["montant_module"] = ligne["montant_avant_enveloppe"]
    if ligne["enveloppe_disponible"] is not None:
        ligne["montant_module"] = montant_reduit(
            ligne["montant_avant_enveloppe"],
            ligne["enveloppe_disponible"],
            ligne["total_avant_enveloppe"],
        )
    ligne["taux_effectif"] = taux_effectif(ligne["montant_module"], ligne["montant_socle"])
    ligne["montant_net"] = ligne["montant_module"]
    if ligne["montant_verse_2014"] is not None:
        calcul = regulariser(
            ligne["montant_module"],
            Versement2014(
                ligne["montant_verse_2014"],
                ligne["etp_conventionnes_2014"],
                ligne["etp_realises_2014"],
            ),
        )
        ligne.update(
            regularisation=calcul.deduction, reste_a_deduire=calcul.reste, montant_net=calcul.net
        )
    return ligne


def ecrire_grand_livre(dossier: Path, lignes: list[dict]) -> Path:
    """`resultats.csv` et le manifeste d'un calcul qui l'aurait écrit (empreinte comprise)."""
    import pandas as pd
    from iae_modulation.resultats import COLONNES_RESULTATS, ecrire_resultats_csv
    from iae_modulation.sorties import ecrire_manifeste

    dossier.mkdir(parents=True, exist_ok=True)
    chemin = ecrire_resultats_csv(
        pd.DataFrame(lignes, columns=list(COLONNES_RESULTATS)), dossier / "resultats.csv"
    )
    ecrire_manifeste(dossier, "calculer", {}, {"annee": int(lignes[0]["annee"])})
    return chemin


def imprimable(feuille) -> bool:
    """Une feuille openpyxl prête à imprimer : A4, une page de large (hauteur libre), pied de
    page numéroté qui nomme la campagne."""
    mise = feuille.page_setup
    return (
        int(mise.paperSize) == 9
        and feuille.sheet_properties.pageSetUpPr.fitToPage
        and int(mise.fitToWidth or 1) == 1
        and int(mise.fitToHeight) == 0
        and "&P" in (feuille.oddFooter.center.text or "")
        and "Campagne" in (feuille.oddFooter.right.text or "")
    )


def classeur_de_campagne(chemin: Path, annee: int = 2026) -> Path:
    """Une copie du gabarit livré dont l'agent a renseigné l'année de campagne (le gabarit la
    laisse vide : aucune valeur de démonstration par défaut)."""
    from iae_modulation.chemins import GABARIT_CLASSEUR
    from iae_modulation.excel.fichier import ClasseurFichier

    chemin.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GABARIT_CLASSEUR, chemin)
    classeur = ClasseurFichier(chemin)
    classeur.ecrire_parametre("annee", annee)
    classeur.enregistrer()
    return chemin
