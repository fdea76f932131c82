"""Corpus hostile, au hasard : octets quelconques et fichiers presque valides donnés à chaque
lecteur, par la ligne de commande ; seuls les codes 0 et 2 sont permis, jamais une trace."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from aides import DONNEES, EXPORT_ACI
from fabrique import COLONNES_FLUX, LIGNE_FLUX, LIGNES_DONNEES, PREMIER_IDENTIFIANT, xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iae_modulation.cli import main

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


def lancer(tmp_path: Path, capsys, arguments: list[str]) -> None:
    sortie = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
    code = main([*arguments, "--sortie", str(sortie)])
    capture = capsys.readouterr()
    assert code in (0, 2), capture.out + capture.err
    assert "Traceback" not in capture.out + capture.err


def calcul(fichier: Path, *options: str) -> list[str]:
    return ["calculer", str(fichier), "--annee", "2026", *options]


def calcul_2015(versements: Path) -> list[str]:
    return ["calculer", str(DONNEES), "--annee", "2015", "--versements-2014", str(versements)]


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
    lancer(dossier, capsys, LECTEURS[nom](ecrire(dossier, nom, octets)))


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6), tronquer=st.integers(0, 400))
def test_donnees_csv_presque_valides(tmp_path_factory, capsys, cellules, tronquer):
    dossier = tmp_path_factory.mktemp("hasard")
    texte = lignes_abimees(DONNEES.read_text(encoding="utf-8-sig").splitlines(), cellules, ";")
    octets = texte.encode("utf-8", errors="surrogatepass")[: len(texte) * 2 - tronquer]
    lancer(dossier, capsys, calcul(ecrire(dossier, "donnees.csv", octets)))


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6))
def test_donnees_xlsx_presque_valides(tmp_path_factory, capsys, cellules):
    dossier = tmp_path_factory.mktemp("hasard")
    lignes = lignes_abimees(LIGNES_DONNEES, cellules, ";").splitlines()
    entete = DONNEES.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    chemin = xlsx(dossier / "donnees.xlsx", [entete, *(ligne.split(";") for ligne in lignes)])
    lancer(dossier, capsys, calcul(chemin))


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
    lancer(dossier, capsys, asp(chemin, "--taux-forfaitaire", "5", "--source", "fluxiae"))


@REGLAGES
@given(cellules=st.lists(CELLULE, min_size=1, max_size=6))
def test_resultats_csv_presque_valides(calculs, tmp_path_factory, capsys, cellules):
    dossier = tmp_path_factory.mktemp("hasard")
    lignes = calculs[2026].read_text(encoding="utf-8-sig").splitlines()
    texte = lignes[0] + "\n" + lignes_abimees(lignes[1:], cellules, ";")
    chemin = ecrire(dossier, "resultats.csv", texte.encode("utf-8", errors="surrogatepass"))
    commande = ["annexe5", str(EXPORT_ACI), "--mesure", "ACI", "--annee", "2026", "--sans-pdf"]
    lancer(dossier, capsys, [*commande, "--resultats", str(chemin)])


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
        lancer(dossier, capsys, commande(ecrire(dossier, nom, texte)))
