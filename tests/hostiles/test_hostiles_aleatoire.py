"""Corpus hostile, au hasard : octets quelconques et fichiers presque valides donnés à chaque
lecteur, par la ligne de commande ; seuls les codes 0 et 2 sont permis, jamais une trace."""

from __future__ import annotations

import gzip
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from aides import DONNEES, EXPORT_ACI, demo_hors_detention
from fabrique import COLONNES_FLUX, LIGNE_FLUX, LIGNES_DONNEES, PREMIER_IDENTIFIANT, xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iae_modulation.cli import main
from iae_modulation.resultats import lire_grand_livre

REGLAGES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CELLULE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["NaN", "1e400", "-0", "²", "1" * 40, "=1+1", "\ufffe", "..", "", ";", '"']),
)


def ecrire(dossier: Path, nom: str, contenu: bytes) -> Path:
    chemin = dossier / nom
    chemin.write_bytes(contenu)
    return chemin


def lignes_abimees(lignes: list[str], cellules: list[str], separateur: str) -> str:
    """Les lignes, quelques cellules remplacées au hasard (une par valeur tirée)."""
    abimees = [ligne.split(separateur) for ligne in lignes]
    for rang, valeur in enumerate(cellules):
        ligne = abimees[rang * 7 % len(abimees)]
        ligne[rang * 3 % len(ligne)] = valeur
    return "\n".join(separateur.join(ligne) for ligne in abimees) + "\n"


REFUS = re.compile(
    r"(?P<fichier>[\w.-]+\.(?:csv|xlsx|gz)) ?(?:, feuille « [^»]+ »)?(?:, ligne \d+)?"
    r"(?:, colonne « [^»]+ »)?(?: \([^)]*\))? ?: "
)


def lancer(tmp_path: Path, capsys, arguments: list[str], fichier: Path) -> str:
    """La commande sur l'entrée `fichier` abîmée : code 0 avec des résultats justes, ou code
    2 avec un message français qui nomme le fichier ; jamais de trace. Rend le message."""
    sortie = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    code = main([*arguments, "--sortie", str(sortie)])
    capture = capsys.readouterr()
    texte = capture.out + capture.err
    assert code in (0, 2), texte
    assert "Traceback" not in texte and "Error" not in texte and "Exception" not in texte
    if code == 2:  # aucun résultat (calculer : le rapport anomalies.xlsx et son manifeste)
        ecrits = {f.name for f in sortie.iterdir()} if sortie.exists() else set()
        assert ecrits <= {"anomalies.xlsx", "manifeste.json"}, ecrits
        nommes = {trouve["fichier"] for trouve in REFUS.finditer(texte)}
        assert fichier.name in nommes, texte
    elif arguments[0] == "calculer":
        # le grand livre écrit est relu par le contrôle indépendant, qui refait chaque nombre
        livre = lire_grand_livre(sortie / "resultats.csv")
        assert f"{len(livre.lignes)} structures calculées" in texte, texte
    else:
        departements = BASE_ET_MONTANT.findall(texte.replace("\u202f", " ").replace("\u00a0", " "))
        assert departements and "à verser au total" in texte, texte
        if "--taux-forfaitaire" in arguments:  # 5 % de la base, au centime
            for base, montant in departements:
                assert euros(montant) == (euros(base) / 20).quantize(CENTIME, ROUND_HALF_UP)
    return texte


BASE_ET_MONTANT = re.compile(r"base ([\d ]+,\d\d) €, montant modulé ([\d ]+,\d\d) €")
CENTIME = Decimal("0.01")


def euros(texte: str) -> Decimal:
    return Decimal(texte.replace(" ", "").replace(",", "."))


def calcul(fichier: Path, *options: str) -> list[str]:
    return ["calculer", str(fichier), "--annee", "2026", *options]


def calcul_2015(versements: Path) -> list[str]:
    """La campagne 2015 de la démo, sans sa structure en milieu pénitentiaire (refusée avant
    le décret n° 2016-531, elle ferait refuser les données avant que les versements soient
    lus)."""
    donnees = demo_hors_detention(versements.with_name("donnees_2015.csv"))
    return ["calculer", str(donnees), "--annee", "2015", "--versements-2014", str(versements)]


def asp(export: Path, *options: str) -> list[str]:
    commande = ["annexe5", str(export), "--mesure", "ACI", "--annee", "2021", "--sans-pdf"]
    return [*commande, *(options or ("--taux-forfaitaire", "5"))]


LECTEURS = {
    "donnees.csv": lambda f: calcul(f),
    "donnees.xlsx": lambda f: calcul(f),
    "enveloppes.csv": lambda f: calcul(DONNEES, "--enveloppes", str(f)),
    "versements.csv": calcul_2015,
    "export.xlsx": lambda f: asp(f, "--taux-forfaitaire", "5", "--source", "extranet"),
    "flux.csv.gz": lambda f: asp(f, "--taux-forfaitaire", "5", "--source", "fluxiae"),
    "resultats.csv": lambda f: asp(EXPORT_ACI, "--resultats", str(f)),  # autre année : refus
}


@pytest.mark.parametrize("nom", list(LECTEURS))
@REGLAGES
@given(octets=st.binary(max_size=400))
def test_octets_quelconques(tmp_path_factory, capsys, nom, octets):
    dossier = tmp_path_factory.mktemp("hasard")
    fichier = ecrire(dossier, nom, octets)
    lancer(dossier, capsys, LECTEURS[nom](fichier), fichier)


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6), tronquer=st.integers(0, 400))
def test_donnees_csv_presque_valides(tmp_path_factory, capsys, cellules, tronquer):
    dossier = tmp_path_factory.mktemp("hasard")
    texte = lignes_abimees(DONNEES.read_text(encoding="utf-8-sig").splitlines(), cellules, ";")
    octets = texte.encode("utf-8", errors="surrogatepass")[: len(texte) * 2 - tronquer]
    fichier = ecrire(dossier, "donnees.csv", octets)
    lancer(dossier, capsys, calcul(fichier), fichier)


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6))
def test_donnees_xlsx_presque_valides(tmp_path_factory, capsys, cellules):
    dossier = tmp_path_factory.mktemp("hasard")
    lignes = lignes_abimees(LIGNES_DONNEES, cellules, ";").splitlines()
    entete = DONNEES.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    chemin = xlsx(dossier / "donnees.xlsx", [entete, *(ligne.split(";") for ligne in lignes)])
    lancer(dossier, capsys, calcul(chemin), chemin)


@REGLAGES
@given(
    cellules=st.lists(CELLULE, min_size=1, max_size=6),
    fin=st.booleans(),
    couper=st.integers(0, 60),
)
def test_fluxiae_presque_valides(tmp_path_factory, capsys, cellules, fin, couper):
    dossier = tmp_path_factory.mktemp("hasard")
    lignes = lignes_abimees([LIGNE_FLUX] * 4, cellules, "|").splitlines()
    contenu = ["DEBAnnexeFinanciere07022022_063004", COLONNES_FLUX, *lignes]
    contenu += ["FIN"] if fin else []
    tampon = io.BytesIO()
    with gzip.GzipFile(fileobj=tampon, mode="wb") as archive:
        archive.write(("\n".join(contenu) + "\n").encode("utf-8", errors="surrogatepass"))
    octets = tampon.getvalue()
    chemin = ecrire(dossier, "flux.csv.gz", octets[: len(octets) - couper])
    lancer(dossier, capsys, asp(chemin, "--taux-forfaitaire", "5", "--source", "fluxiae"), chemin)


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6))
def test_resultats_csv_presque_valides(calculs, tmp_path_factory, capsys, cellules):
    dossier = tmp_path_factory.mktemp("hasard")
    lignes = calculs[2026].read_text(encoding="utf-8-sig").splitlines()
    texte = lignes[0] + "\n" + lignes_abimees(lignes[1:], cellules, ";")
    chemin = ecrire(dossier, "resultats.csv", texte.encode("utf-8", errors="surrogatepass"))
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
    lancer(dossier, capsys, [*commande, "--resultats", str(chemin)], chemin)


@REGLAGES
@given(montant=CELLULE, cle=st.sampled_from(["Grand Est", PREMIER_IDENTIFIANT, "", "=1"]))
def test_enveloppes_et_versements_presque_valides(tmp_path_factory, capsys, montant, cle):
    dossier = tmp_path_factory.mktemp("hasard")
    for nom, entete, commande in (
        ("enveloppes.csv", "region;enveloppe", lambda f: calcul(DONNEES, "--enveloppes", str(f))),
        (
            "versements.csv",
            "identifiant;montant_verse_2014;etp_conventionnes_2014;etp_realises_2014",
            calcul_2015,
        ),
    ):
        fin = ";4;3" if nom == "versements.csv" else ""
        texte = f"{entete}\n{cle};{montant}{fin}\n".encode("utf-8", errors="surrogatepass")
        fichier = ecrire(dossier, nom, texte)
        lancer(dossier, capsys, commande(fichier), fichier)
