@echo off
rem Installation d'IAE Modulation @VERSION@ pour l'agent connecté : sans droits d'administrateur,
rem sans réseau. Écrit par « iae-modulation classeur paquet-windows » depuis le modèle
rem xl/windows/installer.cmd du dépôt, en page de code 850 (celle de la console française).
setlocal EnableExtensions
set "ICI=%~dp0"
set "CIBLE=%LOCALAPPDATA%\iae-modulation"
set "VENV=%CIBLE%\venv"
set "SOURCE=%CIBLE%\source"
set "CLASSEURS=%USERPROFILE%\Documents\IAE Modulation"
set "CLASSEUR=%CLASSEURS%\IAE_modulation.xlsm"
set "JOURNAL=%CIBLE%\installation.log"
set "PIP_CONFIG_FILE=nul"
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_NO_INPUT=1"

echo.
echo  IAE Modulation @VERSION@ : installation pour %USERNAME%
echo  (dans %CIBLE%, sans droits d'administrateur ni accès à Internet)
echo.
if not exist "%CIBLE%" mkdir "%CIBLE%"
echo Installation du %DATE% %TIME% > "%JOURNAL%"

rem 1. Un Python pris en charge (@VERSIONS_PYTHON@) : lanceur py, dossiers d'installation
rem    habituels (pour l'utilisateur, puis pour tous), enfin python du PATH.
set "PYTHON="
for %%V in (@VERSIONS_PY@) do if not defined PYTHON (
    py -%%V -c "import sys" >nul 2>&1 && set "PYTHON=py -%%V"
)
for %%V in (@VERSIONS_DOSSIERS@) do if not defined PYTHON (
    if exist "%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe" set "PYTHON="%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe""
)
for %%V in (@VERSIONS_DOSSIERS@) do if not defined PYTHON (
    if exist "%ProgramFiles%\Python%%V\python.exe" set "PYTHON="%ProgramFiles%\Python%%V\python.exe""
)
if not defined PYTHON (
    python -c "import sys; sys.exit(0 if sys.version_info[:2] in [@VERSIONS_TUPLES@] else 1)" >nul 2>&1 && set "PYTHON=python"
)
if not defined PYTHON (
    echo  Aucun Python pris en charge ^(@VERSIONS_PYTHON@^) n'a été trouvé sur ce poste.
    echo  Installez Python depuis python.org pour vous seul, sans droits d'administrateur
    echo  ^(voir LISEZMOI.txt, étape 1^), puis relancez installer.cmd.
    goto echec
)
echo  1/5 Python trouvé : %PYTHON%

rem 2. L'environnement virtuel, où pip dépose aussi la DLL d'xlwings (à sa racine).
if exist "%VENV%\Scripts\python.exe" "%VENV%\Scripts\python.exe" -c "import sys" >nul 2>&1 || rmdir /s /q "%VENV%"
if not exist "%VENV%\Scripts\python.exe" (
    %PYTHON% -m venv "%VENV%" >> "%JOURNAL%" 2>&1 || goto echec
)
echo  2/5 Environnement : %VENV%

rem 3. Les sources (modèles Word et classeur compris) puis les bibliothèques, depuis roues\.
robocopy "%ICI%source" "%SOURCE%" /MIR /NFL /NDL /NJH /NJS /NP >> "%JOURNAL%" 2>&1
if errorlevel 8 goto echec
"%VENV%\Scripts\python.exe" -m pip install --no-index --find-links "%ICI%roues" --upgrade -r "%ICI%exigences.txt" >> "%JOURNAL%" 2>&1 || goto echec
"%VENV%\Scripts\python.exe" -m pip install --no-index --no-deps --no-build-isolation -e "%SOURCE%" >> "%JOURNAL%" 2>&1 || goto echec
"%VENV%\Scripts\python.exe" -m compileall -q "%SOURCE%\python" >> "%JOURNAL%" 2>&1
echo  3/5 IAE Modulation @VERSION@ installé

rem 4. Le classeur : copié s'il n'existe pas, sinon gardé (il contient une campagne) ; dans les
rem    deux cas rattaché à cette installation par un chemin valable pour chaque agent.
if not exist "%CLASSEURS%" mkdir "%CLASSEURS%"
if exist "%CLASSEUR%" (
    "%VENV%\Scripts\iae-modulation.exe" classeur rattacher "%CLASSEUR%" >> "%JOURNAL%" 2>&1 || goto echec
) else (
    "%VENV%\Scripts\iae-modulation.exe" classeur installer --dossier "%CLASSEURS%" >> "%JOURNAL%" 2>&1 || goto echec
)
echo  4/5 Classeur : %CLASSEUR%

rem 5. Le diagnostic (le même que le bouton « Diagnostic » du ruban, côté Python).
echo  5/5 Diagnostic :
"%VENV%\Scripts\iae-modulation.exe" classeur diagnostic "%CLASSEUR%"
if errorlevel 1 goto echec
echo.
echo  Installation terminée. Ouvrez le classeur, cliquez sur « Activer le contenu »,
echo  puis sur le bouton « Diagnostic » de l'onglet « IAE Modulation ».
start "" explorer "%CLASSEURS%"
pause
exit /b 0

:echec
echo.
echo  L'installation n'a pas abouti. Détail : %JOURNAL%
echo  Transmettez ce fichier à votre correspondant informatique (guide docs\deploiement.md).
pause
exit /b 1
